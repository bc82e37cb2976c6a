/*
 * escape.h - text from files and the web made safe to print in a message.
 *
 * An error message quotes values from an editor's file (a URL, a key, an
 * id) or from a server. Printed raw, a CR or LF in such a value forges a
 * line of its own, an ESC sequence drives the terminal, and a Unicode
 * bidirectional control reorders what the reader sees. The function below
 * turns each of them into a visible escape instead of removing it, so the
 * editor can still find the bad character in the file.
 */
#ifndef PREFWATCH_ESCAPE_H
#define PREFWATCH_ESCAPE_H

#include "common/common.h"

/* A copy of s (owned, never NULL; s may be NULL: "") in which C0 controls
 * and DEL are written "\r", "\n", "\t" or "\xHH", C1 controls, the bidi
 * controls U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069 and the
 * separators U+2028, U+2029 as "\uHHHH", and bytes that are not UTF-8 as
 * "\xHH". Everything else, backslashes included, is copied as is. */
char *str_escape_controls(const char *s);

/* True when s holds nothing str_escape_controls() would change. */
bool str_is_printable(const char *s);

#endif
