/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * feat_keys.h - what the dataset tables (feat.h) need to know of a key or relative
 * axis given by its name as recorded ("KEY_A", "KEYCLASS_LETTER", "BTN_LEFT", "0x2ff",
 * "REL_WHEEL_HI_RES"). Captures with --keys raw are classified by the same table the
 * kernel redacts with (include/keyclass.h), so a raw capture and a class capture of
 * the same typing give the same counts per class.
 */
#ifndef IT_FEAT_KEYS_H
#define IT_FEAT_KEYS_H

#include <stdbool.h>

/* The classes presses are counted by: the key classes of keyclass.h in their order,
 * then the modifiers (whose code every mode keeps). */
enum it_fk_class {
	IT_FK_LETTER, IT_FK_DIGIT, IT_FK_SYMBOL, IT_FK_WHITESPACE, IT_FK_EDITING,
	IT_FK_NAVIGATION, IT_FK_FUNCTION, IT_FK_KEYPAD, IT_FK_MEDIA, IT_FK_OTHER,
	IT_FK_MODIFIER, IT_FK_N_PRESS
};

/* The EV_KEY code called name (a class code for "KEYCLASS_*"), or -1 when unknown. */
int it_fk_code(const char *name);

/* The class of EV_KEY code k (it_fk_code(); -1: IT_FK_OTHER). */
enum it_fk_class it_fk_class(int k);

/* A button (BTN_*: mouse, pen, touch, gamepad), not a key. */
bool it_fk_is_button(int k);

/* A mouse button (BTN_LEFT .. BTN_TASK): its press is a click. */
bool it_fk_is_click(int k);

/* A key that takes text back: Backspace, Delete and the delete-line keys in raw
 * captures, KEYCLASS_EDITING in class captures (Insert is editing but no correction;
 * a class capture cannot tell it apart). */
bool it_fk_is_correction(int k);

/* The REL_* code called name, or -1. */
int it_fk_rel(const char *name);

#endif
