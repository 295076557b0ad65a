/* Test module, version 2: other behaviour and another layout (a helper and a table come first). */
static const int s_offsets[4] = {100, 200, 300, 400};
static int s_calls;
static const char *s_last_name;

static int offset_for(int a)
{
    return s_offsets[a & 3];
}

int reloadable_add(int a, int b)
{
    s_calls += 2;
    return a + b + offset_for(a);
}

void reloadable_greet(const char *name)
{
    s_last_name = name ? name : "nobody";
}
