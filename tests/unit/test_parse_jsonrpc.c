/* test_parse_jsonrpc.c - placeholder */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
static void test_x(void **s) { (void)s; }
int main(void) { const struct CMUnitTest t[] = { cmocka_unit_test(test_x) }; return cmocka_run_group_tests(t, NULL, NULL); }
