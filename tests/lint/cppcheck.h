/* Forced into every file cppcheck reads (tests/lint/run.sh --include): the
 * macros of system headers that the files use as statements. cppcheck runs
 * without the system include path (reading libc, czmq and jansson for each
 * file would be slow and noisy), so it meets these as unknown macros and
 * stops analysing the file (unknownMacro). Written here to behave the same
 * for the analysis: loops over an object's keys, an array's items. */
#define json_object_foreach(obj, key, value)                                      \
    for ((key) = json_object_iter_key(json_object_iter(obj));                     \
         (key) && ((value) = json_object_iter_value(json_object_key_to_iter(key))); \
         (key) = json_object_iter_key(json_object_iter_next((obj), json_object_key_to_iter(key))))
#define json_array_foreach(arr, index, value)                                     \
    for ((index) = 0;                                                             \
         (index) < json_array_size(arr) && ((value) = json_array_get((arr), (index))); \
         (index)++)
