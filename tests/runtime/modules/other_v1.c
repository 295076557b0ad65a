/* A second reloadable component, so the runtime handles more than one table. */
static int s_value = 7;

int other_get(void)
{
    return s_value;
}

void other_set(int v)
{
    s_value = v;
}
