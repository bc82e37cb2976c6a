/*
 * similar.h - how alike two texts are, as a number: the measure that ranks
 * the candidates for a moved page's new address (crawler/, by URL and
 * title words) and scores them (cli/, by procedure text).
 *
 * Pure functions, no allocation visible to the caller.
 */
#ifndef PREFWATCH_SIMILAR_H
#define PREFWATCH_SIMILAR_H

#include "common/common.h"

/* The words of s, as compared: runs of letters and digits, ASCII letters
 * lower-cased, the accented Latin-1 letters folded to their base letter
 * ("Séjour" gives "sejour"), other non-ASCII characters kept as letters;
 * everything else separates words. Appended to out (copies). */
void pw_words(const char *s, struct strvec *out);

/* The words of s (pw_words()) joined by single spaces, with one space
 * before the first and one after the last (" le sejour "; "" has no word:
 * " "), so that strstr() of a phrase folded the same way finds it only on
 * word boundaries, whatever its accents, case, punctuation and spacing
 * ("VALLS", "Valls," and "valls" are one). Owned. */
char *pw_fold_words(const char *s);

/* Jaccard similarity, in [0, 1], of the sets of k-word shingles (k
 * consecutive words of pw_words()) of a and b: 1 for the same words in
 * the same order, 0 for nothing in common. A text of fewer than k words
 * is one shingle of all its words. Two texts without any word give 1,
 * one without any word 0. k < 1 counts as 1 (the sets of words). NULL is
 * the empty text. */
double pw_similarity(const char *a, const char *b, int k);

#endif
