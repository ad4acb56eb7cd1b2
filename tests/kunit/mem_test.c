// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi_mr: STags, keys and every access check on memory regions
 * (drivers/kiwi/mem.c).  Addresses and lengths in these checks come from
 * the wire or from user rings, so each edge of the arithmetic has a case.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <kunit/test.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "kiwi_test.h"

#define STAG(index, key) ((u32)(index) << KIWI_STAG_KEY_BITS | (key))

#define LW IB_ACCESS_LOCAL_WRITE
#define RR IB_ACCESS_REMOTE_READ
#define RW IB_ACCESS_REMOTE_WRITE

/* The region most cases use: [0x10000, 0x13000). */
#define IOVA	0x10000ull
#define LEN	0x3000ull

struct mr_check_case {
	const char *name;
	int access;		/* the MR's rights */
	u64 iova;
	u64 length;
	bool invalid;		/* invalidated (or never registered) */
	bool other_pd;		/* the access comes from another PD */
	u64 addr;
	u64 len;
	enum kiwi_access acc;
	enum kiwi_mr_err want;
};

static const struct mr_check_case mr_check_cases[] = {
	{ "whole region", 0, IOVA, LEN, false, false, IOVA, LEN,
	  KIWI_ACC_LOCAL_READ, KIWI_MR_OK },
	{ "local read needs no right", 0, IOVA, LEN, false, false, IOVA, 1,
	  KIWI_ACC_LOCAL_READ, KIWI_MR_OK },
	{ "local write without the right", RR, IOVA, LEN, false, false, IOVA,
	  1, KIWI_ACC_LOCAL_WRITE, KIWI_MR_ERR_ACCESS },
	{ "local write", LW, IOVA, LEN, false, false, IOVA, 1,
	  KIWI_ACC_LOCAL_WRITE, KIWI_MR_OK },
	{ "remote read without the right", LW | RW, IOVA, LEN, false, false,
	  IOVA, 1, KIWI_ACC_REMOTE_READ, KIWI_MR_ERR_ACCESS },
	{ "remote read", RR, IOVA, LEN, false, false, IOVA, 1,
	  KIWI_ACC_REMOTE_READ, KIWI_MR_OK },
	{ "remote write without the right", LW | RR, IOVA, LEN, false, false,
	  IOVA, 1, KIWI_ACC_REMOTE_WRITE, KIWI_MR_ERR_ACCESS },
	{ "remote write", LW | RW, IOVA, LEN, false, false, IOVA, 1,
	  KIWI_ACC_REMOTE_WRITE, KIWI_MR_OK },
	{ "invalidated", LW, IOVA, LEN, true, false, IOVA, 1,
	  KIWI_ACC_LOCAL_READ, KIWI_MR_ERR_STAG },
	{ "invalid is reported before the PD", LW, IOVA, LEN, true, true,
	  IOVA, 1, KIWI_ACC_LOCAL_READ, KIWI_MR_ERR_STAG },
	{ "another PD", LW, IOVA, LEN, false, true, IOVA, 1,
	  KIWI_ACC_LOCAL_READ, KIWI_MR_ERR_PD },
	{ "the PD is checked before the rights", 0, IOVA, LEN, false, true,
	  IOVA, 1, KIWI_ACC_REMOTE_WRITE, KIWI_MR_ERR_PD },
	{ "starts one byte below", RR, IOVA, LEN, false, false, IOVA - 1, 2,
	  KIWI_ACC_REMOTE_READ, KIWI_MR_ERR_BOUNDS },
	{ "ends one byte past", RR, IOVA, LEN, false, false, IOVA + LEN - 1, 2,
	  KIWI_ACC_REMOTE_READ, KIWI_MR_ERR_BOUNDS },
	{ "last byte", RR, IOVA, LEN, false, false, IOVA + LEN - 1, 1,
	  KIWI_ACC_REMOTE_READ, KIWI_MR_OK },
	{ "first byte after", RR, IOVA, LEN, false, false, IOVA + LEN, 1,
	  KIWI_ACC_REMOTE_READ, KIWI_MR_ERR_BOUNDS },
	{ "zero length checks rights only", RR, IOVA, LEN, false, false, 0, 0,
	  KIWI_ACC_REMOTE_READ, KIWI_MR_OK },
	{ "zero length still needs the right", LW, IOVA, LEN, false, false,
	  IOVA, 0, KIWI_ACC_REMOTE_READ, KIWI_MR_ERR_ACCESS },
	{ "address + length wraps", RR, IOVA, LEN, false, false, U64_MAX - 1,
	  4, KIWI_ACC_REMOTE_READ, KIWI_MR_ERR_WRAP },
	{ "length wraps from inside", RR, IOVA, LEN, false, false, IOVA,
	  U64_MAX, KIWI_ACC_REMOTE_READ, KIWI_MR_ERR_WRAP },
	{ "huge length without wrapping", RR, IOVA, LEN, false, false, IOVA,
	  U64_MAX - IOVA, KIWI_ACC_REMOTE_READ, KIWI_MR_ERR_BOUNDS },
	{ "offset past a huge region", RR, 1, U64_MAX - 1, false, false,
	  U64_MAX - 1, 1, KIWI_ACC_REMOTE_READ, KIWI_MR_OK },
	{ "DMA region, top of memory", LW, 0, U64_MAX, false, false,
	  U64_MAX - 8, 8, KIWI_ACC_LOCAL_WRITE, KIWI_MR_OK },
	{ "DMA region, wrapping", LW, 0, U64_MAX, false, false, U64_MAX - 7,
	  8, KIWI_ACC_LOCAL_WRITE, KIWI_MR_ERR_WRAP },
};

static void mr_check_desc(const struct mr_check_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mr_check, mr_check_cases, mr_check_desc);

static void mr_check_table(struct kunit *test)
{
	const struct mr_check_case *c = test->param_value;
	struct kiwi_device *kdev = kiwi_test_dev(test);
	struct ib_pd *pd = kiwi_test_pd(test), *other = kiwi_test_pd(test);
	struct kiwi_mr *mr = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 1, 0x5a,
					  c->access, c->iova, c->length);

	mr->valid = !c->invalid;
	KUNIT_EXPECT_EQ(test, kiwi_mr_check(mr, mr->ibmr.lkey,
					    c->other_pd ? other : pd,
					    c->addr, c->len, c->acc), c->want);
}

/* An STag finds its MR only with the right index and key, while live. */
static void stag_lookup(struct kunit *test)
{
	struct kiwi_device *kdev = kiwi_test_dev(test);
	struct ib_pd *pd = kiwi_test_pd(test);
	struct kiwi_mr *mr = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 5, 0x3c,
					  LW, IOVA, LEN);
	struct kiwi_mr *got;

	KUNIT_EXPECT_EQ(test, mr->ibmr.lkey, 0x53cu);
	got = kiwi_mr_get(kdev, STAG(5, 0x3c));
	KUNIT_ASSERT_PTR_EQ(test, got, mr);
	KUNIT_EXPECT_EQ(test, refcount_read(&mr->ref), 2);
	kiwi_mr_put(got);
	KUNIT_EXPECT_EQ(test, refcount_read(&mr->ref), 1);

	/* A stale or guessed key, another index, index 0, the top index. */
	KUNIT_EXPECT_NULL(test, kiwi_mr_get(kdev, STAG(5, 0x3d)));
	KUNIT_EXPECT_NULL(test, kiwi_mr_get(kdev, STAG(5, 0x00)));
	KUNIT_EXPECT_NULL(test, kiwi_mr_get(kdev, STAG(6, 0x3c)));
	KUNIT_EXPECT_NULL(test, kiwi_mr_get(kdev, STAG(0, 0x3c)));
	KUNIT_EXPECT_NULL(test, kiwi_mr_get(kdev, STAG(KIWI_STAG_MAX_INDEX,
						       0x3c)));
	KUNIT_EXPECT_EQ(test, refcount_read(&mr->ref), 1);

	/* An MR whose last reference is gone is being freed: not found. */
	refcount_set(&mr->ref, 0);
	KUNIT_EXPECT_NULL(test, kiwi_mr_get(kdev, STAG(5, 0x3c)));
	refcount_set(&mr->ref, 1);

	/* Unpublished (dereg_mr): not found. */
	xa_erase(&kdev->mr_xa, 5);
	KUNIT_EXPECT_NULL(test, kiwi_mr_get(kdev, STAG(5, 0x3c)));
	KUNIT_EXPECT_EQ(test, refcount_read(&mr->ref), 1);
}

/* kiwi_mr_lookup() reports each failure and never leaks a reference. */
static void mr_lookup_refs(struct kunit *test)
{
	struct kiwi_device *kdev = kiwi_test_dev(test);
	struct ib_pd *pd = kiwi_test_pd(test), *other = kiwi_test_pd(test);
	struct kiwi_mr *mr = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 9, 0x11,
					  LW | RR, IOVA, LEN);
	struct kiwi_mr *got = NULL;

	KUNIT_EXPECT_EQ(test, kiwi_mr_lookup(kdev, STAG(9, 0x12), pd, IOVA, 1,
					     KIWI_ACC_REMOTE_READ, &got),
			KIWI_MR_ERR_STAG);
	KUNIT_EXPECT_EQ(test, kiwi_mr_lookup(kdev, STAG(9, 0x11), other, IOVA,
					     1, KIWI_ACC_REMOTE_READ, &got),
			KIWI_MR_ERR_PD);
	KUNIT_EXPECT_EQ(test, kiwi_mr_lookup(kdev, STAG(9, 0x11), pd, IOVA, 1,
					     KIWI_ACC_REMOTE_WRITE, &got),
			KIWI_MR_ERR_ACCESS);
	KUNIT_EXPECT_EQ(test, kiwi_mr_lookup(kdev, STAG(9, 0x11), pd, IOVA,
					     LEN + 1, KIWI_ACC_REMOTE_READ, &got),
			KIWI_MR_ERR_BOUNDS);
	KUNIT_EXPECT_NULL(test, got);
	KUNIT_EXPECT_EQ(test, refcount_read(&mr->ref), 1);

	KUNIT_ASSERT_EQ(test, kiwi_mr_lookup(kdev, STAG(9, 0x11), pd, IOVA, LEN,
					     KIWI_ACC_REMOTE_READ, &got),
			KIWI_MR_OK);
	KUNIT_EXPECT_PTR_EQ(test, got, mr);
	KUNIT_EXPECT_EQ(test, refcount_read(&mr->ref), 2);
	kiwi_mr_put(got);
}

/* A local-write access of [@addr, @addr + @len) through @cache. */
static enum kiwi_mr_err lw_cached(struct kiwi_device *kdev, u32 stag,
				  struct ib_pd *pd, u64 addr, u64 len,
				  struct kiwi_mr **cache)
{
	return kiwi_mr_lookup_cached(kdev, stag, pd, addr, len,
				     KIWI_ACC_LOCAL_WRITE, cache);
}

/*
 * kiwi_mr_lookup_cached(): a hit needs neither the STag table nor a new
 * reference, a miss moves the cache to the MR looked up, and a cached MR
 * that fails its check is let go, never trusted: not when the access is
 * out of bounds, not once it is deregistered.  No reference leaks.
 */
static void mr_lookup_cached(struct kunit *test)
{
	struct kiwi_device *kdev = kiwi_test_dev(test);
	struct ib_pd *pd = kiwi_test_pd(test);
	struct kiwi_mr *a = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 7, 0x21,
					 LW, IOVA, LEN);
	struct kiwi_mr *b = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 8, 0x22,
					 LW, IOVA, LEN);
	struct kiwi_mr *cache = NULL;

	/* Empty: a lookup, whose reference the cache keeps. */
	KUNIT_ASSERT_EQ(test, lw_cached(kdev, STAG(7, 0x21), pd, IOVA, 8, &cache),
			KIWI_MR_OK);
	KUNIT_ASSERT_PTR_EQ(test, cache, a);
	KUNIT_EXPECT_EQ(test, refcount_read(&a->ref), 2);

	/* A hit works without the table: nothing was looked up. */
	xa_erase(&kdev->mr_xa, 7);
	KUNIT_EXPECT_EQ(test, lw_cached(kdev, STAG(7, 0x21), pd,
					IOVA + LEN - 8, 8, &cache), KIWI_MR_OK);
	KUNIT_EXPECT_PTR_EQ(test, cache, a);
	KUNIT_EXPECT_EQ(test, refcount_read(&a->ref), 2);

	/* Another STag: the cache lets go of the old MR. */
	KUNIT_ASSERT_EQ(test, lw_cached(kdev, STAG(8, 0x22), pd, IOVA, 8, &cache),
			KIWI_MR_OK);
	KUNIT_ASSERT_PTR_EQ(test, cache, b);
	KUNIT_EXPECT_EQ(test, refcount_read(&a->ref), 1);
	KUNIT_EXPECT_EQ(test, refcount_read(&b->ref), 2);

	/* A failed check is the fresh lookup's answer; the cache is empty. */
	KUNIT_EXPECT_EQ(test, lw_cached(kdev, STAG(8, 0x22), pd,
					IOVA + LEN, 1, &cache),
			KIWI_MR_ERR_BOUNDS);
	KUNIT_EXPECT_NULL(test, cache);
	KUNIT_EXPECT_EQ(test, refcount_read(&b->ref), 1);

	/* Deregistered while cached: refused, and let go. */
	KUNIT_ASSERT_EQ(test, lw_cached(kdev, STAG(8, 0x22), pd, IOVA, 8, &cache),
			KIWI_MR_OK);
	xa_erase(&kdev->mr_xa, 8);
	WRITE_ONCE(b->valid, false);
	KUNIT_EXPECT_EQ(test, lw_cached(kdev, STAG(8, 0x22), pd, IOVA, 8, &cache),
			KIWI_MR_ERR_STAG);
	KUNIT_EXPECT_NULL(test, cache);
	KUNIT_EXPECT_EQ(test, refcount_read(&b->ref), 1);
}

/*
 * Fast registration and invalidation: the consumer's key becomes the
 * STag, a stale key stops working, rights are checked, only fast MRs of
 * the same PD can be invalidated, and a Remote Invalidate of an invalid
 * STag is an error.
 */
static void fast_reg_and_invalidate(struct kunit *test)
{
	struct kiwi_device *kdev = kiwi_test_dev(test);
	struct ib_pd *pd = kiwi_test_pd(test), *other = kiwi_test_pd(test);
	struct kiwi_mr *fr = kiwi_test_mr(test, kdev, pd, KIWI_MR_FAST, 7, 0x01,
					  0, 0x4000, 0x2000);
	struct kiwi_mr *um = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 8, 0x01,
					  LW, IOVA, LEN);
	u32 old = STAG(7, 0x01), new = STAG(7, 0x02);
	struct kiwi_mr *got;

	/* Allocated but not registered: published, yet unusable. */
	KUNIT_EXPECT_EQ(test, kiwi_mr_check(fr, old, pd, 0x4000, 1,
					    KIWI_ACC_LOCAL_READ),
			KIWI_MR_ERR_STAG);

	KUNIT_EXPECT_EQ(test, kiwi_mr_fast_reg(fr, STAG(8, 0x02), LW), -EINVAL);
	KUNIT_EXPECT_EQ(test, kiwi_mr_fast_reg(fr, new, RW), -EINVAL);
	KUNIT_EXPECT_EQ(test, kiwi_mr_fast_reg(fr, new, IB_ACCESS_MW_BIND),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kiwi_mr_fast_reg(um, STAG(8, 0x02), LW), -EINVAL);
	KUNIT_EXPECT_FALSE(test, fr->valid);

	KUNIT_ASSERT_EQ(test, kiwi_mr_fast_reg(fr, new, LW | RW | RR), 0);
	KUNIT_EXPECT_EQ(test, fr->ibmr.lkey, new);
	KUNIT_EXPECT_EQ(test, fr->ibmr.rkey, new);
	KUNIT_EXPECT_TRUE(test, fr->valid);
	KUNIT_EXPECT_EQ(test, kiwi_mr_check(fr, new, pd, 0x5fff, 1,
					    KIWI_ACC_REMOTE_WRITE), KIWI_MR_OK);
	KUNIT_EXPECT_EQ(test, kiwi_mr_check(fr, new, pd, 0x6000, 1,
					    KIWI_ACC_REMOTE_WRITE),
			KIWI_MR_ERR_BOUNDS);
	/*
	 * A reference taken under the old key just before the REG_MR (the
	 * lookup compares the key without the MR's lock) is refused now.
	 */
	KUNIT_EXPECT_EQ(test, kiwi_mr_check(fr, old, pd, 0x5fff, 1,
					    KIWI_ACC_REMOTE_WRITE),
			KIWI_MR_ERR_STAG);
	/* Registered twice without an invalidation in between. */
	KUNIT_EXPECT_EQ(test, kiwi_mr_fast_reg(fr, STAG(7, 0x03), LW), -EINVAL);

	KUNIT_EXPECT_NULL(test, kiwi_mr_get(kdev, old));
	got = kiwi_mr_get(kdev, new);
	KUNIT_EXPECT_PTR_EQ(test, got, fr);
	if (got)
		kiwi_mr_put(got);

	KUNIT_EXPECT_EQ(test, kiwi_mr_invalidate(kdev, new, other, true),
			-EACCES);
	KUNIT_EXPECT_EQ(test, kiwi_mr_invalidate(kdev, old, pd, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, kiwi_mr_invalidate(kdev, STAG(8, 0x01), pd, false),
			-EACCES);
	KUNIT_EXPECT_EQ(test, kiwi_mr_invalidate(kdev, STAG(99, 0x01), pd, false),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, fr->valid);

	KUNIT_EXPECT_EQ(test, kiwi_mr_invalidate(kdev, new, pd, true), 0);
	KUNIT_EXPECT_FALSE(test, fr->valid);
	KUNIT_EXPECT_EQ(test, kiwi_mr_check(fr, new, pd, 0x4000, 1,
					    KIWI_ACC_LOCAL_READ),
			KIWI_MR_ERR_STAG);
	KUNIT_EXPECT_EQ(test, kiwi_mr_invalidate(kdev, new, pd, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, kiwi_mr_invalidate(kdev, new, pd, false), 0);

	/* And it can be registered again, under the next key. */
	KUNIT_EXPECT_EQ(test, kiwi_mr_fast_reg(fr, STAG(7, 0x03), LW), 0);
	KUNIT_EXPECT_EQ(test, refcount_read(&fr->ref), 1);
	KUNIT_EXPECT_EQ(test, refcount_read(&um->ref), 1);
}

static void free_page_action(void *data)
{
	__free_page(data);
}

static struct page *test_page(struct kunit *test)
{
	struct page *p = alloc_page(GFP_KERNEL | __GFP_ZERO);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_page_action,
							p), 0);
	return p;
}

/* User MR: an address maps to the right page and offset, and no further. */
static void mr_page_user(struct kunit *test)
{
	struct kiwi_device *kdev = kiwi_test_dev(test);
	struct ib_pd *pd = kiwi_test_pd(test);
	const u64 iova = 0x7f0000000100ull;
	const u64 len = 3 * PAGE_SIZE - 0x100;
	struct kiwi_mr *mr = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 1, 1,
					  LW, iova, len);
	struct page *pages[3], *pg;
	u8 src[300], dst[300];
	u32 off, i;
	u8 *va;

	for (i = 0; i < 3; i++)
		pages[i] = test_page(test);
	mr->pages = pages;
	mr->npages = 3;
	mr->page_off = 0x100;

	KUNIT_EXPECT_EQ(test, kiwi_mr_page(mr, iova, &pg, &off),
			(u32)PAGE_SIZE - 0x100);
	KUNIT_EXPECT_PTR_EQ(test, pg, pages[0]);
	KUNIT_EXPECT_EQ(test, off, 0x100u);
	KUNIT_EXPECT_EQ(test, kiwi_mr_page(mr, iova + PAGE_SIZE - 0x100, &pg,
					   &off), (u32)PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, pg, pages[1]);
	KUNIT_EXPECT_EQ(test, off, 0u);
	KUNIT_EXPECT_EQ(test, kiwi_mr_page(mr, iova + len - 1, &pg, &off), 1u);
	KUNIT_EXPECT_PTR_EQ(test, pg, pages[2]);
	KUNIT_EXPECT_EQ(test, off, (u32)PAGE_SIZE - 1);
	KUNIT_EXPECT_EQ(test, kiwi_mr_page(mr, iova + len, &pg, &off), 0u);

	/* A copy across the first page boundary lands where it belongs. */
	for (i = 0; i < sizeof(src); i++)
		src[i] = i * 7 + 1;
	KUNIT_ASSERT_EQ(test, kiwi_mr_copy_to(mr, iova + PAGE_SIZE - 0x100 - 150,
					      src, sizeof(src)), 0);
	va = kmap_local_page(pages[0]);
	KUNIT_EXPECT_MEMEQ(test, va + PAGE_SIZE - 150, src, 150);
	kunmap_local(va);
	va = kmap_local_page(pages[1]);
	KUNIT_EXPECT_MEMEQ(test, va, src + 150, 150);
	kunmap_local(va);
	KUNIT_ASSERT_EQ(test, kiwi_mr_copy_from(mr, iova + PAGE_SIZE - 0x100 - 150,
						dst, sizeof(dst)), 0);
	KUNIT_EXPECT_MEMEQ(test, dst, src, sizeof(src));
	mr->pages = NULL;
}

/* Fast MR: pages of the list, at the MR's page size, and no further. */
static void mr_page_fast(struct kunit *test)
{
	struct kiwi_device *kdev = kiwi_test_dev(test);
	struct ib_pd *pd = kiwi_test_pd(test);
	const u64 base = 0x1000000;
	struct kiwi_mr *mr = kiwi_test_mr(test, kdev, pd, KIWI_MR_FAST, 1, 1,
					  LW, base + 0x80, 2 * PAGE_SIZE - 0x80);
	struct page *p0 = test_page(test), *p1 = test_page(test), *pg;
	u64 addrs[2];
	u32 off;

	addrs[0] = (u64)(uintptr_t)page_address(p0);
	addrs[1] = (u64)(uintptr_t)page_address(p1);
	mr->fr_addrs = addrs;
	mr->fr_max = 2;
	mr->fr_n = 2;
	mr->ibmr.page_size = PAGE_SIZE;

	KUNIT_EXPECT_EQ(test, kiwi_mr_page(mr, base + 0x80, &pg, &off),
			(u32)PAGE_SIZE - 0x80);
	KUNIT_EXPECT_PTR_EQ(test, pg, p0);
	KUNIT_EXPECT_EQ(test, off, 0x80u);
	KUNIT_EXPECT_EQ(test, kiwi_mr_page(mr, base + PAGE_SIZE + 5, &pg, &off),
			(u32)PAGE_SIZE - 5);
	KUNIT_EXPECT_PTR_EQ(test, pg, p1);
	KUNIT_EXPECT_EQ(test, off, 5u);
	KUNIT_EXPECT_EQ(test, kiwi_mr_page(mr, base + 2 * PAGE_SIZE, &pg, &off),
			0u);
	mr->fr_addrs = NULL;
}

/* DMA MR: kernel virtual addresses, from the linear map or vmalloc. */
static void mr_page_dma(struct kunit *test)
{
	struct kiwi_device *kdev = kiwi_test_dev(test);
	struct ib_pd *pd = kiwi_test_pd(test);
	struct kiwi_mr *mr = kiwi_test_mr(test, kdev, pd, KIWI_MR_DMA, 1, 1,
					  LW, 0, U64_MAX);
	u8 *lin = kunit_kmalloc(test, 64, GFP_KERNEL);
	u8 *vm = vmalloc(2 * PAGE_SIZE);
	struct page *pg;
	u32 off;

	KUNIT_ASSERT_NOT_NULL(test, lin);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_EXPECT_EQ(test, kiwi_mr_page(mr, (uintptr_t)lin, &pg, &off),
			(u32)(PAGE_SIZE - offset_in_page(lin)));
	KUNIT_EXPECT_PTR_EQ(test, pg, virt_to_page(lin));
	KUNIT_EXPECT_EQ(test, off, (u32)offset_in_page(lin));
	KUNIT_EXPECT_EQ(test, kiwi_mr_page(mr, (uintptr_t)vm + PAGE_SIZE + 9,
					   &pg, &off), (u32)PAGE_SIZE - 9);
	KUNIT_EXPECT_PTR_EQ(test, pg, vmalloc_to_page(vm + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, off, 9u);
	vfree(vm);
}

static struct kunit_case kiwi_mr_cases[] = {
	KUNIT_CASE_PARAM(mr_check_table, mr_check_gen_params),
	KUNIT_CASE(stag_lookup),
	KUNIT_CASE(mr_lookup_refs),
	KUNIT_CASE(mr_lookup_cached),
	KUNIT_CASE(fast_reg_and_invalidate),
	KUNIT_CASE(mr_page_user),
	KUNIT_CASE(mr_page_fast),
	KUNIT_CASE(mr_page_dma),
	{}
};

static struct kunit_suite kiwi_mr_suite = {
	.name = "kiwi_mr",
	.test_cases = kiwi_mr_cases,
};

kunit_test_suite(kiwi_mr_suite);
