#pragma once

int reloadable_add(int a, int b);
void reloadable_greet(const char *name);
