// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: memory regions and STags.
 *
 * An STag is a 24-bit index into the device's MR xarray followed by an
 * 8-bit key.  User and DMA MRs get a random key at registration; fast MRs
 * take the key the consumer sets with each REG_MR work request
 * (ib_update_fast_reg_key), so a stale STag of a re-registered MR no
 * longer matches.
 *
 * Lifetime: an MR is published in the xarray only once fully set up.
 * Lookups take a reference under RCU; dereg_mr unpublishes the MR and drops
 * the registration's reference, and whoever drops the last one queues the
 * release of pinned pages (which may sleep) and an RCU-deferred free.  So
 * neither a placement in softirq context nor a transmit in progress can
 * see freed memory, and dereg_mr never waits for the network.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <kunit/visibility.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <rdma/ib_umem.h>

#include "kiwi.h"
#include "kiwi_param.h"
#include "mem.h"

#define KIWI_ACCESS_SUPPORTED (IB_ACCESS_LOCAL_WRITE | \
			       IB_ACCESS_REMOTE_WRITE | \
			       IB_ACCESS_REMOTE_READ | \
			       IB_ACCESS_REMOTE_ATOMIC | \
			       IB_ACCESS_OPTIONAL)

static void kiwi_mr_free_work(struct work_struct *work)
{
	struct kiwi_mr *mr = container_of(work, struct kiwi_mr, free_work);

	if (mr->umem)
		ib_umem_release(mr->umem);
	kvfree(mr->pages);
	kfree(mr->fr_addrs);
	kfree_rcu(mr, rcu);
}

/**
 * kiwi_mr_put() - drop a reference taken by kiwi_mr_get()
 * @mr: the MR
 *
 * Context: any.
 */
void kiwi_mr_put(struct kiwi_mr *mr)
{
	if (refcount_dec_and_test(&mr->ref))
		queue_work(kiwi_free_wq, &mr->free_work);
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_put);

/**
 * kiwi_mr_get() - look an STag up and take a reference
 * @kdev: the device
 * @stag: the STag, key included
 *
 * Context: any.
 * Return: the MR, or NULL if no registered MR has this STag.
 */
struct kiwi_mr *kiwi_mr_get(struct kiwi_device *kdev, u32 stag)
{
	struct kiwi_mr *mr;

	rcu_read_lock();
	mr = xa_load(&kdev->mr_xa, stag >> KIWI_STAG_KEY_BITS);
	if (mr && (READ_ONCE(mr->ibmr.lkey) != stag ||
		   !refcount_inc_not_zero(&mr->ref)))
		mr = NULL;
	rcu_read_unlock();
	return mr;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_get);

static bool kiwi_access_ok(int access, enum kiwi_access acc)
{
	switch (acc) {
	case KIWI_ACC_LOCAL_READ:
		return true;
	case KIWI_ACC_LOCAL_WRITE:
		return access & IB_ACCESS_LOCAL_WRITE;
	case KIWI_ACC_REMOTE_READ:
		return access & IB_ACCESS_REMOTE_READ;
	case KIWI_ACC_REMOTE_WRITE:
		return access & IB_ACCESS_REMOTE_WRITE;
	}
	return false;
}

/* The checks of kiwi_mr_check(), on a registration that holds still. */
static enum kiwi_mr_err __kiwi_mr_check(const struct kiwi_mr *mr, u32 stag,
					struct ib_pd *pd, u64 addr, u64 len,
					enum kiwi_access acc)
{
	if (!READ_ONCE(mr->valid) || mr->ibmr.lkey != stag)
		return KIWI_MR_ERR_STAG;
	if (mr->ibmr.pd != pd)
		return KIWI_MR_ERR_PD;
	if (!kiwi_access_ok(mr->access, acc))
		return KIWI_MR_ERR_ACCESS;
	if (addr + len < addr)
		return KIWI_MR_ERR_WRAP;
	/* Written so that nothing can overflow: offset first, then room. */
	if (len && (addr < mr->iova || addr - mr->iova > mr->length ||
		    len > mr->length - (addr - mr->iova)))
		return KIWI_MR_ERR_BOUNDS;
	return KIWI_MR_OK;
}

/**
 * kiwi_mr_check() - may [@addr, @addr + @len) of @mr be accessed so?
 * @mr: the MR, referenced
 * @stag: the STag the access names; a fast MR re-registered under a new
 *	key since @mr was looked up no longer answers to the old one
 * @pd: the PD of the QP doing the access
 * @addr: first byte, in the MR's address space
 * @len: bytes; 0 checks the STag, PD and rights only
 * @acc: what kind of access
 *
 * All arithmetic is overflow-safe: @addr and @len come from the wire or
 * from user memory.
 *
 * A fast MR's key, rights and extent change under REG_MR, so it is
 * checked under its lock.  A DMA or user MR never changes after it is
 * published except for @valid, which dereg clears once: the lock would
 * order the check against nothing, and it is skipped.  (Either way an
 * access that passed may still be in flight when dereg returns; its
 * reference keeps the pages.)
 *
 * Context: any.
 */
enum kiwi_mr_err kiwi_mr_check(struct kiwi_mr *mr, u32 stag,
			       struct ib_pd *pd, u64 addr, u64 len,
			       enum kiwi_access acc)
{
	enum kiwi_mr_err ret;

	if (mr->type != KIWI_MR_FAST)
		return __kiwi_mr_check(mr, stag, pd, addr, len, acc);
	spin_lock_bh(&mr->lock);
	ret = __kiwi_mr_check(mr, stag, pd, addr, len, acc);
	spin_unlock_bh(&mr->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_check);

/**
 * kiwi_mr_lookup() - kiwi_mr_get() and kiwi_mr_check() in one
 * @kdev: the device
 * @stag: the STag
 * @pd: the accessing QP's PD
 * @addr: first byte
 * @len: bytes
 * @acc: kind of access
 * @mrp: on success, the referenced MR
 *
 * Context: any.
 */
enum kiwi_mr_err kiwi_mr_lookup(struct kiwi_device *kdev, u32 stag,
				struct ib_pd *pd, u64 addr, u64 len,
				enum kiwi_access acc, struct kiwi_mr **mrp)
{
	struct kiwi_mr *mr = kiwi_mr_get(kdev, stag);
	enum kiwi_mr_err err;

	if (!mr)
		return KIWI_MR_ERR_STAG;
	err = kiwi_mr_check(mr, stag, pd, addr, len, acc);
	if (err) {
		kiwi_dbg_dev(kdev, "stag 0x%x [0x%llx +%llu) acc %d: err %d\n",
			     stag, addr, len, acc, err);
		kiwi_dbg_dev(kdev, "stag 0x%x is mr [0x%llx +%llu) acc 0x%x\n",
			     stag, mr->iova, mr->length, mr->access);
		kiwi_mr_put(mr);
		return err;
	}
	*mrp = mr;
	return KIWI_MR_OK;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_lookup);

/**
 * kiwi_mr_lookup_cached() - kiwi_mr_lookup() through a one-entry cache
 * @kdev: the device
 * @stag: the STag
 * @pd: the accessing QP's PD
 * @addr: first byte
 * @len: bytes
 * @acc: kind of access
 * @cache: an MR reference the caller keeps from one access to the next,
 *	or NULL; afterwards the MR that passed the check, or NULL
 *
 * A QP's accesses of one kind usually name the MR of its last one (a
 * receive buffer, a send buffer, a Write target).  Checking the MR the
 * caller still holds spares the STag lookup and a reference per access,
 * pointer chasing that costs more than the check.  A cached MR that fails
 * may have been deregistered and its STag index given to a new MR, so a
 * failure is only believed from a fresh lookup.  A deregistered MR stays
 * pinned while a cache holds it: until the next access names another MR,
 * or until the holder's QP is flushed.
 *
 * Context: any; the caller serialises the accesses that share @cache.
 */
enum kiwi_mr_err kiwi_mr_lookup_cached(struct kiwi_device *kdev, u32 stag,
				       struct ib_pd *pd, u64 addr, u64 len,
				       enum kiwi_access acc,
				       struct kiwi_mr **cache)
{
	if (*cache) {
		if (!kiwi_mr_check(*cache, stag, pd, addr, len, acc))
			return KIWI_MR_OK;
		kiwi_mr_put(*cache);
		*cache = NULL;
	}
	return kiwi_mr_lookup(kdev, stag, pd, addr, len, acc, cache);
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_lookup_cached);

static struct page *kiwi_kva_page(unsigned long kva)
{
	return is_vmalloc_addr((void *)kva) ? vmalloc_to_page((void *)kva) :
					      virt_to_page((void *)kva);
}

/**
 * kiwi_mr_page() - where a byte of an MR lives
 * @mr: the MR; the caller has checked that @addr is inside it
 * @addr: the byte's address in the MR's address space
 * @page: the page holding it
 * @off: its offset in @page
 *
 * Context: any.
 * Return: bytes from @addr that are contiguous in @page, or 0 if the MR
 * does not map @addr (which a checked access never hits).
 */
u32 kiwi_mr_page(const struct kiwi_mr *mr, u64 addr, struct page **page,
		 u32 *off)
{
	unsigned long kva;
	u64 o, ps;
	u32 idx;

	switch (mr->type) {
	case KIWI_MR_DMA:
		kva = addr;
		break;
	case KIWI_MR_USER:
		o = addr - mr->iova + mr->page_off;
		if ((o >> PAGE_SHIFT) >= mr->npages)
			return 0;
		*page = mr->pages[o >> PAGE_SHIFT];
		*off = o & ~PAGE_MASK;
		return PAGE_SIZE - *off;
	case KIWI_MR_FAST:
		ps = mr->ibmr.page_size;
		o = addr - (mr->iova & ~(ps - 1));
		idx = o / ps;
		if (idx >= mr->fr_n)
			return 0;
		kva = mr->fr_addrs[idx] + (o & (ps - 1));
		break;
	default:
		return 0;
	}
	*page = kiwi_kva_page(kva);
	*off = offset_in_page(kva);
	return PAGE_SIZE - *off;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_page);

/* Copy between a checked range of an MR and kernel memory. */
static int kiwi_mr_copy(struct kiwi_mr *mr, u64 addr, void *buf, u32 len,
			bool to_mr)
{
	struct page *page;
	u32 off, n;
	void *va;

	while (len) {
		n = kiwi_mr_page(mr, addr, &page, &off);
		if (!n)
			return -EFAULT;
		n = min(n, len);
		va = kmap_local_page(page);
		if (to_mr)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		addr += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int kiwi_mr_copy_to(struct kiwi_mr *mr, u64 addr, const void *src, u32 len)
{
	return kiwi_mr_copy(mr, addr, (void *)src, len, true);
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_copy_to);

int kiwi_mr_copy_from(struct kiwi_mr *mr, u64 addr, void *dst, u32 len)
{
	return kiwi_mr_copy(mr, addr, dst, len, false);
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_copy_from);

/**
 * kiwi_mr_invalidate() - Local or Remote Invalidate of an STag
 * @kdev: the device
 * @stag: the STag to invalidate, key included
 * @pd: the PD of the QP asking
 * @remote: the request came from the peer (Send with Invalidate)
 *
 * Only fast-registered MRs can be invalidated; the memory is not
 * released, the STag just stops working until the next REG_MR.
 *
 * Context: any.
 * Return: 0, or -EINVAL (unknown STag, wrong key), -EACCES (another PD,
 * or an MR that does not support invalidation).
 */
int kiwi_mr_invalidate(struct kiwi_device *kdev, u32 stag, struct ib_pd *pd,
		       bool remote)
{
	struct kiwi_mr *mr = kiwi_mr_get(kdev, stag);
	int ret = 0;

	if (!mr)
		return -EINVAL;
	spin_lock_bh(&mr->lock);
	if (mr->ibmr.pd != pd || mr->type != KIWI_MR_FAST)
		ret = -EACCES;
	else if (remote && !mr->valid)
		ret = -EINVAL;
	else
		WRITE_ONCE(mr->valid, false);
	spin_unlock_bh(&mr->lock);
	kiwi_mr_put(mr);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_invalidate);

/**
 * kiwi_mr_fast_reg() - execute a REG_MR work request
 * @mr: a fast MR, mapped by map_mr_sg
 * @key: the new STag (ib_update_fast_reg_key()); its index must match
 * @access: IB_ACCESS_* rights of the registration
 *
 * Context: any.
 * Return: 0, or -EINVAL for an STag of another MR, a registration still
 * valid, or bad rights.
 */
int kiwi_mr_fast_reg(struct kiwi_mr *mr, u32 key, int access)
{
	int ret = 0;

	if ((key >> KIWI_STAG_KEY_BITS) !=
	    (mr->ibmr.lkey >> KIWI_STAG_KEY_BITS) ||
	    mr->type != KIWI_MR_FAST || (access & ~KIWI_ACCESS_SUPPORTED) ||
	    ((access & IB_ACCESS_REMOTE_WRITE) &&
	     !(access & IB_ACCESS_LOCAL_WRITE)))
		return -EINVAL;
	spin_lock_bh(&mr->lock);
	if (mr->valid) {
		ret = -EINVAL;
	} else {
		mr->access = access;
		mr->iova = mr->ibmr.iova;
		mr->length = mr->ibmr.length;
		WRITE_ONCE(mr->ibmr.lkey, key);
		mr->ibmr.rkey = key;
		WRITE_ONCE(mr->valid, true);
	}
	spin_unlock_bh(&mr->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_mr_fast_reg);

/* Free an MR that never got published. */
static void kiwi_mr_abort(struct kiwi_mr *mr)
{
	atomic_dec(&mr->kdev->num_mr);
	kiwi_mr_free_work(&mr->free_work);
}

static struct kiwi_mr *kiwi_mr_alloc(struct ib_pd *pd, enum kiwi_mr_type type)
{
	struct kiwi_device *kdev = to_kiwi_dev(pd->device);
	struct kiwi_mr *mr;

	if (!kiwi_obj_get(&kdev->num_mr, KIWI_MAX_MR))
		return ERR_PTR(-ENOMEM);
	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr) {
		atomic_dec(&kdev->num_mr);
		return ERR_PTR(-ENOMEM);
	}
	mr->kdev = kdev;
	mr->type = type;
	refcount_set(&mr->ref, 1);
	spin_lock_init(&mr->lock);
	INIT_WORK(&mr->free_work, kiwi_mr_free_work);
	return mr;
}

/*
 * Reserve an STag index, then publish the fully set-up MR under it.  On
 * failure the MR is freed.
 */
static struct ib_mr *kiwi_mr_publish(struct kiwi_mr *mr, u8 key)
{
	struct kiwi_device *kdev = mr->kdev;
	u32 index;
	int ret;

	ret = xa_alloc_cyclic(&kdev->mr_xa, &index, NULL,
			      XA_LIMIT(1, KIWI_STAG_MAX_INDEX),
			      &kdev->mr_next, GFP_KERNEL);
	if (ret < 0) {
		kiwi_mr_abort(mr);
		return ERR_PTR(ret);
	}
	mr->ibmr.lkey = index << KIWI_STAG_KEY_BITS | key;
	mr->ibmr.rkey = mr->ibmr.lkey;
	xa_store(&kdev->mr_xa, index, mr, GFP_KERNEL);
	return &mr->ibmr;
}

/* Context: process. */
struct ib_mr *kiwi_get_dma_mr(struct ib_pd *pd, int access)
{
	struct kiwi_mr *mr;

	if (access & ~KIWI_ACCESS_SUPPORTED)
		return ERR_PTR(-EOPNOTSUPP);
	mr = kiwi_mr_alloc(pd, KIWI_MR_DMA);
	if (IS_ERR(mr))
		return ERR_CAST(mr);
	mr->access = access;
	mr->iova = 0;
	mr->length = U64_MAX;
	mr->valid = true;
	return kiwi_mr_publish(mr, get_random_u8());
}

/* Context: process, from uverbs. */
struct ib_mr *kiwi_reg_user_mr(struct ib_pd *pd, u64 start, u64 length,
			       u64 virt_addr, int access,
			       struct ib_udata *udata)
{
	struct sg_page_iter iter;
	struct kiwi_mr *mr;
	struct ib_umem *umem;
	unsigned long i = 0;
	int ret;

	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen))
		return ERR_PTR(-EINVAL);
	if (access & ~KIWI_ACCESS_SUPPORTED)
		return ERR_PTR(-EOPNOTSUPP);
	/* IB: remote write access requires local write access. */
	if ((access & IB_ACCESS_REMOTE_WRITE) &&
	    !(access & IB_ACCESS_LOCAL_WRITE))
		return ERR_PTR(-EINVAL);
	if (!length || virt_addr + length < virt_addr)
		return ERR_PTR(-EINVAL);

	mr = kiwi_mr_alloc(pd, KIWI_MR_USER);
	if (IS_ERR(mr))
		return ERR_CAST(mr);

	/* Pins the pages and charges them to RLIMIT_MEMLOCK. */
	umem = ib_umem_get(pd->device, start, length, access);
	if (IS_ERR(umem)) {
		ret = PTR_ERR(umem);
		goto err_put;
	}
	mr->umem = umem;
	mr->npages = ib_umem_num_pages(umem);
	mr->pages = kvmalloc_array(mr->npages, sizeof(*mr->pages), GFP_KERNEL);
	if (!mr->pages) {
		ret = -ENOMEM;
		goto err_put;
	}
	for_each_sgtable_page(&umem->sgt_append.sgt, &iter, 0) {
		if (i == mr->npages)
			break;
		mr->pages[i++] = sg_page_iter_page(&iter);
	}
	if (i != mr->npages) {
		ret = -EFAULT;
		goto err_put;
	}
	mr->page_off = start & ~PAGE_MASK;
	mr->access = access;
	mr->iova = virt_addr;
	mr->length = length;
	mr->valid = true;
	mr->ibmr.iova = virt_addr;
	mr->ibmr.length = length;
	return kiwi_mr_publish(mr, get_random_u8());

err_put:
	kiwi_mr_abort(mr);
	return ERR_PTR(ret);
}

/* Context: process. */
struct ib_mr *kiwi_alloc_mr(struct ib_pd *pd, enum ib_mr_type type,
			    u32 max_num_sg)
{
	struct kiwi_mr *mr;

	if (type != IB_MR_TYPE_MEM_REG)
		return ERR_PTR(-EOPNOTSUPP);
	if (!max_num_sg || max_num_sg > KIWI_MAX_FRMR_PAGES)
		return ERR_PTR(-EINVAL);
	mr = kiwi_mr_alloc(pd, KIWI_MR_FAST);
	if (IS_ERR(mr))
		return ERR_CAST(mr);
	mr->fr_addrs = kcalloc(max_num_sg, sizeof(*mr->fr_addrs), GFP_KERNEL);
	if (!mr->fr_addrs) {
		kiwi_mr_abort(mr);
		return ERR_PTR(-ENOMEM);
	}
	mr->fr_max = max_num_sg;
	/* Not valid until a REG_MR work request registers it. */
	return kiwi_mr_publish(mr, get_random_u8());
}

static int kiwi_set_page(struct ib_mr *ibmr, u64 addr)
{
	struct kiwi_mr *mr = to_kiwi_mr(ibmr);

	if (mr->fr_n == mr->fr_max)
		return -ENOMEM;
	mr->fr_addrs[mr->fr_n++] = addr;
	return 0;
}

/*
 * ib_core maps the scatterlist with virtual DMA for kiwi, so the DMA
 * addresses handed to kiwi_set_page() are kernel virtual addresses.
 *
 * Context: process or softirq, never concurrently with use of the same MR
 * by the consumer's own work requests (an MR is remapped only while its
 * STag is invalid).
 */
int kiwi_map_mr_sg(struct ib_mr *ibmr, struct scatterlist *sg, int sg_nents,
		   unsigned int *sg_offset)
{
	struct kiwi_mr *mr = to_kiwi_mr(ibmr);

	if (READ_ONCE(mr->valid))
		return -EBUSY;
	mr->fr_n = 0;
	return ib_sg_to_pages(ibmr, sg, sg_nents, sg_offset, kiwi_set_page);
}

/* Context: process. */
int kiwi_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata)
{
	struct kiwi_mr *mr = to_kiwi_mr(ibmr);

	/* No new lookups; users in flight hold their own references. */
	xa_erase(&mr->kdev->mr_xa, ibmr->lkey >> KIWI_STAG_KEY_BITS);
	spin_lock_bh(&mr->lock);
	WRITE_ONCE(mr->valid, false);
	spin_unlock_bh(&mr->lock);
	atomic_dec(&mr->kdev->num_mr);
	/* Usually the last reference: unpin now, in the caller's context. */
	if (refcount_dec_and_test(&mr->ref))
		kiwi_mr_free_work(&mr->free_work);
	return 0;
}
