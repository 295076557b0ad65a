/* Test module, version 1: the seed README's component without printf (no firmware symbols needed). */
static int s_calls;
static const char *s_last_name;

int reloadable_add(int a, int b)
{
    s_calls++;
    return a + b;
}

void reloadable_greet(const char *name)
{
    s_last_name = name;
}
