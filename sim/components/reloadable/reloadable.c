#include <stdio.h>
#include "reloadable.h"

int reloadable_add(int a, int b)
{
    return a + b;
}

void reloadable_greet(const char *name)
{
    printf("Hello, %s!\n", name);
}
