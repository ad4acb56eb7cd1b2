/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: file-local helpers that the KUnit suite (tests/kunit) calls
 * directly.  Each is VISIBLE_IF_KUNIT at its definition: static in a
 * kernel without KUnit, global and exported into the
 * EXPORTED_FOR_KUNIT_TESTING namespace in one with it.  Nothing else may
 * use these declarations.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_KUNIT_H
#define KIWI_KUNIT_H

#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/types.h>

#include "qp.h"

#if IS_ENABLED(CONFIG_KUNIT)
/* cm.c */
void kiwi_policy_init(struct kiwi_mpa_policy *pol, u32 ird, u32 ord,
		      bool initiator);

/* qp.c */
extern const bool kiwi_qp_next_state[KIWI_QPS_NUM][KIWI_QPS_NUM];

/* tx.c */
u32 kiwi_tx_max_ulpdu(u32 mss, bool markers);
bool kiwi_orq_full(struct kiwi_qp *qp);
u8 kiwi_tx_prepare(struct kiwi_qp *qp, const struct kiwi_sqe *sqe, u32 idx);
#endif

#endif /* KIWI_KUNIT_H */
