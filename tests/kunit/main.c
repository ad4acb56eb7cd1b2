// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi_kunit: KUnit tests of kiwi.ko.
 *
 * Each *_test.c file registers its suites; KUnit runs them when this
 * module loads and prints KTAP to the kernel log (and, with
 * CONFIG_KUNIT_DEBUGFS, to /sys/kernel/debug/kunit/<suite>/results).
 * tests/vm/kunit.sh loads it in the debug kernel and reports each case.
 *
 *   kiwi_wire	the wire library's shared vectors, against the kernel's
 *		crc32c()
 *   kiwi_mr	STags, keys, access checks, address translation
 *   kiwi_ring	ring index arithmetic, entries read from user rings
 *   kiwi_qp	QP state table, FPDU sizing from the MSS, ORD/IRD
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/module.h>

#include "compat.h"
#include "kiwi_test.h"

MODULE_DESCRIPTION("KUnit tests of the kiwi software iWARP driver");
MODULE_AUTHOR("The kiwi authors");
MODULE_LICENSE("GPL");
KIWI_MODULE_IMPORT_KUNIT_NS();

/* ---- Fixtures (kiwi_test.h) ---- */

static void kiwi_test_dev_release(void *data)
{
	struct kiwi_device *kdev = data;

	xa_destroy(&kdev->mr_xa);
}

struct kiwi_device *kiwi_test_dev(struct kunit *test)
{
	struct kiwi_device *kdev = kunit_kzalloc(test, sizeof(*kdev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, kdev);
	xa_init_flags(&kdev->mr_xa, XA_FLAGS_ALLOC1);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							kiwi_test_dev_release,
							kdev), 0);
	return kdev;
}

struct ib_pd *kiwi_test_pd(struct kunit *test)
{
	struct ib_pd *pd = kunit_kzalloc(test, sizeof(*pd), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pd);
	return pd;
}

static void kiwi_test_mr_release(void *data)
{
	struct kiwi_mr *mr = data;

	xa_erase(&mr->kdev->mr_xa, mr->ibmr.lkey >> KIWI_STAG_KEY_BITS);
}

struct kiwi_mr *kiwi_test_mr(struct kunit *test, struct kiwi_device *kdev,
			     struct ib_pd *pd, enum kiwi_mr_type type,
			     u32 index, u8 key, int access, u64 iova,
			     u64 length)
{
	struct kiwi_mr *mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mr);
	mr->kdev = kdev;
	mr->type = type;
	refcount_set(&mr->ref, 1);
	spin_lock_init(&mr->lock);
	mr->access = access;
	mr->iova = iova;
	mr->length = length;
	mr->valid = type != KIWI_MR_FAST;
	mr->ibmr.pd = pd;
	mr->ibmr.iova = iova;
	mr->ibmr.length = length;
	mr->ibmr.lkey = index << KIWI_STAG_KEY_BITS | key;
	mr->ibmr.rkey = mr->ibmr.lkey;
	KUNIT_ASSERT_EQ(test, xa_err(xa_store(&kdev->mr_xa, index, mr,
					      GFP_KERNEL)), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							kiwi_test_mr_release,
							mr), 0);
	return mr;
}
