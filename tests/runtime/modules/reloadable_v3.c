/* Test module, version 3: an export was added, so the firmware's table no longer fits (ABI mismatch). */
int reloadable_add(int a, int b)
{
    return a - b;
}

void reloadable_greet(const char *name)
{
    (void)name;
}

int reloadable_new(void)
{
    return 42;
}
