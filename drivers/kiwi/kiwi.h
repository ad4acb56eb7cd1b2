/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: software iWARP RNIC.  The device, user context and PD objects,
 * module parameters and the debug macros, shared by every file.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_H
#define KIWI_H

#include <linux/etherdevice.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <rdma/ib_verbs.h>

struct kiwi_poller;

/**
 * struct kiwi_device - one kiwi RNIC, bound to one netdev
 * @ibdev: the ib_core device; must stay first for ib_alloc_device()
 * @netdev: the netdev this RNIC runs on; a tracked reference is held from
 *	creation until dealloc_driver, so the pointer never dangles
 * @netdev_tracker: tracker for that reference
 * @port_state: the port state last reported with a port event; written
 *	only from the netdev notifier, protected by RTNL
 * @fallback_mac: the MAC-like identifier used for the GID and node GUID
 *	when the netdev has no usable hardware address (loopback); stable for
 *	a given netdev name
 * @list: entry in kiwi_devices, protected by kiwi_devices_lock
 * @unreg_work: unregisters the device when its netdev goes away
 * @qp_xa: QPs by QP number; entries are stored only once the QP is fully
 *	set up (xa_lock is the xarray's own)
 * @mr_xa: MRs by STag index, same rule
 * @cep_xa: connection endpoints waiting for accept/reject, by the id
 *	handed to iw_cm as provider_data
 * @qp_next: cyclic allocation cursor for @qp_xa
 * @iw_lookups: iw_cm lookups of a QP between kiwi_iw_get_qp() and
 *	kiwi_iw_add_ref(), which kiwi_destroy_qp() must wait out
 * @mr_next: cyclic allocation cursor for @mr_xa
 * @cep_next: cyclic allocation cursor for @cep_xa
 * @num_qp: QPs in existence, bounded by KIWI_MAX_QP
 * @num_cq: CQs, bounded by KIWI_MAX_CQ
 * @num_srq: SRQs, bounded by KIWI_MAX_SRQ
 * @num_pd: PDs, bounded by KIWI_MAX_PD
 * @num_mr: MRs, bounded by KIWI_MAX_MR
 * @num_uctx: user contexts, bounded by KIWI_MAX_UCTX
 * @poller: the SQ poller of this device, or NULL (see poller.c)
 * @ceps: every connection endpoint of the device (cm.c), for teardown
 * @cep_lock: protects @ceps
 * @num_cep: endpoints in existence; teardown waits for zero
 * @tx_zcopy_bytes: bytes handed to TCP zero-copy (a hardware counter)
 * @tx_copy_bytes: bytes handed to TCP to copy (a hardware counter)
 * @sq_doorbells: doorbell system calls on user SQs (a hardware counter)
 * @sq_poll_yields: times the SQ poller gave its CPU to another task (a
 *	hardware counter)
 */
struct kiwi_device {
	struct ib_device ibdev;
	struct net_device *netdev;
	netdevice_tracker netdev_tracker;
	enum ib_port_state port_state;
	u8 fallback_mac[ETH_ALEN];
	struct list_head list;
	struct work_struct unreg_work;

	struct xarray qp_xa;
	struct xarray mr_xa;
	struct xarray cep_xa;
	u32 qp_next;
	u32 mr_next;
	u32 cep_next;
	atomic_t iw_lookups;

	atomic_t num_qp;
	atomic_t num_cq;
	atomic_t num_srq;
	atomic_t num_pd;
	atomic_t num_mr;
	atomic_t num_uctx;

	struct kiwi_poller *poller;
	struct list_head ceps;
	spinlock_t cep_lock;	/* protects @ceps */
	atomic_t num_cep;
	atomic64_t tx_zcopy_bytes;
	atomic64_t tx_copy_bytes;
	atomic64_t sq_doorbells;
	atomic64_t sq_poll_yields;
};

/**
 * struct kiwi_ucontext - a process's uverbs context
 * @ibuctx: ib_core's context; must stay first
 * @sq_poll: its QPs' send queues are watched by the SQ poller (the
 *	module parameter's value when the context was created)
 * @id: a number no other context gets, which its QPs and its doorbell
 *	file carry (db.c)
 * @db: its doorbell file's state, or NULL
 */
struct kiwi_ucontext {
	struct ib_ucontext ibuctx;
	bool sq_poll;
	u64 id;
	struct kiwi_db *db;
};

/**
 * struct kiwi_pd - protection domain
 * @ibpd: ib_core's PD; must stay first
 */
struct kiwi_pd {
	struct ib_pd ibpd;
};

static inline struct kiwi_device *to_kiwi_dev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct kiwi_device, ibdev);
}

static inline struct kiwi_ucontext *to_kiwi_uctx(struct ib_ucontext *uctx)
{
	return container_of(uctx, struct kiwi_ucontext, ibuctx);
}

/* Count an object against its limit; undo with atomic_dec(). */
static inline bool kiwi_obj_get(atomic_t *count, int max)
{
	return atomic_add_unless(count, 1, max);
}

/* Module parameters (main.c). */
extern bool kiwi_sq_poll;
extern unsigned int kiwi_sq_poll_idle_us;
extern unsigned int kiwi_rx_defer_bytes;
extern unsigned int kiwi_tx_zcopy_min;
extern bool kiwi_mpa_big;
extern bool kiwi_mpa_crc;
extern bool kiwi_mpa_crc_strict;
extern unsigned int kiwi_mpa_rev;
extern bool kiwi_mpa_p2p;
extern unsigned int kiwi_mpa_markers;
extern bool kiwi_mpa_resp_wait;
extern u8 kiwi_mpa_rtr;

#define kiwi_dbg_dev(kdev, fmt, ...) \
	ibdev_dbg(&(kdev)->ibdev, "%s: " fmt, __func__, ##__VA_ARGS__)

/* main.c */
void kiwi_device_gid_mac(const struct kiwi_device *kdev, u8 *mac);
enum ib_port_state kiwi_device_port_state(const struct kiwi_device *kdev);
extern struct workqueue_struct *kiwi_wq;
extern struct workqueue_struct *kiwi_free_wq;
extern struct workqueue_struct *kiwi_rx_wq;

#endif /* KIWI_H */
