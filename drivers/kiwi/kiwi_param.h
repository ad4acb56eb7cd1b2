/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: every device limit and identity constant, in one place.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_PARAM_H
#define KIWI_PARAM_H

/* Not an IEEE OUI: ASCII "kiw", the same trick siw uses for "bmt". */
#define KIWI_VENDOR_ID		0x6b6977
#define KIWI_VENDOR_PART_ID	1
#define KIWI_HW_VERSION		1

/* Node description; the provider does not rely on it (see sysfs abi). */
#define KIWI_NODE_DESC		"kiwi software iWARP RNIC"

/* One port per device: one kiwi device is bound to one netdev. */
#define KIWI_PORT		1

#endif /* KIWI_PARAM_H */
