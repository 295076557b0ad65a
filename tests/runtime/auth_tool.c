/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file auth_tool.c
 * @brief Line-driven front end to src/hr_auth.c for tests/test_runtime_auth.py.
 *
 * usage: auth_tool KEYHEX64, then one command per stdin line, one answer line each:
 *   nonce NOW_US                                       -> the new nonce
 *   check NOW_US METHOD PATH NONCE BODYSHA SIGNATURE   -> "ok BODYSHA" or "error ESP_ERR_NAME why"
 *   hmac MESSAGE_HEX                                   -> hex HMAC-SHA256(key, message)
 *   sha256 MESSAGE_HEX                                 -> hex SHA-256(message)
 * A "-" stands for an absent header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_auth.h"
#include "hr_crypto.h"

static const char *opt(const char *s)
{
    return strcmp(s, "-") == 0 ? NULL : s;
}

int main(int argc, char **argv)
{
    uint8_t key[HR_AUTH_KEY_SIZE];
    if (argc != 2 || !hr_auth_hex_decode(argv[1], key, sizeof(key))) {
        fprintf(stderr, "usage: auth_tool KEYHEX64\n");
        return 2;
    }
    hr_auth_t auth;
    hr_auth_init(&auth, key);
    static char line[1 << 20];
    static uint8_t bytes[1 << 19];
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = '\0';
        char *args[8] = {0};
        int n = 0;
        for (char *tok = strtok(line, " "); tok && n < 8; tok = strtok(NULL, " ")) {
            args[n++] = tok;
        }
        if (n == 2 && strcmp(args[0], "nonce") == 0) {
            char nonce[HR_AUTH_NONCE_HEX + 1];
            hr_auth_issue_nonce(&auth, strtoll(args[1], NULL, 0), nonce);
            printf("%s\n", nonce);
        } else if (n == 7 && strcmp(args[0], "check") == 0) {
            uint8_t body_sha[32];
            const char *why = NULL;
            esp_err_t err = hr_auth_check(&auth, strtoll(args[1], NULL, 0), args[2], args[3], opt(args[4]),
                                          opt(args[5]), opt(args[6]), body_sha, &why);
            if (err == ESP_OK) {
                char hex[65];
                hr_auth_hex_encode(body_sha, 32, hex);
                printf("ok %s\n", hex);
            } else {
                printf("error %s %s\n", esp_err_to_name(err), why);
            }
        } else if ((n == 2 || n == 1) && (strcmp(args[0], "hmac") == 0 || strcmp(args[0], "sha256") == 0)) {
            size_t len = n == 2 ? strlen(args[1]) / 2 : 0;
            if (len > sizeof(bytes) || (len && !hr_auth_hex_decode(args[1], bytes, len))) {
                printf("bad hex\n");
            } else {
                uint8_t out[32];
                char hex[65];
                if (args[0][0] == 'h') {
                    hr_hmac_sha256(key, sizeof(key), bytes, len, out);
                } else {
                    hr_sha256(bytes, len, out);
                }
                hr_auth_hex_encode(out, 32, hex);
                printf("%s\n", hex);
            }
        } else {
            printf("bad command\n");
        }
        fflush(stdout);
    }
    return 0;
}
