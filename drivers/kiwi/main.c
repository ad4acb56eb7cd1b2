// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: module entry, `rdma link` integration and device lifecycle.
 *
 * A kiwi device is created by `rdma link add NAME type kiwi netdev DEV` and
 * is bound to that netdev for its whole life.  It goes away on
 * `rdma link delete`, when the netdev is unregistered (which includes the
 * netdev moving to another network namespace), or on module unload.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/if_arp.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <net/addrconf.h>
#include <rdma/iw_cm.h>
#include <rdma/rdma_netlink.h>
#include <uapi/rdma/kiwi-abi.h>

#include "cm.h"
#include "compat.h"
#include "cq.h"
#include "kiwi.h"
#include "kiwi_param.h"
#include "mem.h"
#include "poller.h"
#include "qp.h"
#include "ring.h"
#include "verbs.h"

bool kiwi_sq_poll = true;
module_param_named(sq_poll, kiwi_sq_poll, bool, 0644);
MODULE_PARM_DESC(sq_poll,
		 "Poll user send queues from a kernel thread, so posting needs no system call (default: on; ignored with one online CPU; read when a process opens its context)");

unsigned int kiwi_sq_poll_idle_us = 2000;
module_param_named(sq_poll_idle_us, kiwi_sq_poll_idle_us, uint, 0644);
MODULE_PARM_DESC(sq_poll_idle_us,
		 "Microseconds without work before the SQ poller sleeps and asks for doorbells, and how long it leaves its CPU to another task that wants it; 0: never sleep while it has QPs (default: 2000)");

unsigned int kiwi_rx_defer_bytes = SZ_16K;
module_param_named(rx_defer_bytes, kiwi_rx_defer_bytes, uint, 0644);
MODULE_PARM_DESC(rx_defer_bytes,
		 "Place received data from a work item on the next online CPU once this many bytes wait in the socket; less is placed at once in data_ready (default: 16384; 0: always in data_ready)");

unsigned int kiwi_tx_zcopy_min;
module_param_named(tx_zcopy_min, kiwi_tx_zcopy_min, uint, 0644);
MODULE_PARM_DESC(tx_zcopy_min,
		 "Send a batch of FPDUs zero-copy (MSG_ZEROCOPY) when it carries at least this many payload bytes; its Sends and Writes then complete when TCP lets go of their pages (default: 0, always copy)");

bool kiwi_mpa_crc;
module_param_named(mpa_crc, kiwi_mpa_crc, bool, 0644);
MODULE_PARM_DESC(mpa_crc, "Ask for MPA CRC32c on new connections (default: off; CRC is used whenever either side asks)");

bool kiwi_mpa_crc_strict;
module_param_named(mpa_crc_strict, kiwi_mpa_crc_strict, bool, 0644);
MODULE_PARM_DESC(mpa_crc_strict, "Reject peers whose CRC wish differs from mpa_crc (default: off)");

unsigned int kiwi_mpa_rev = 2;
module_param_named(mpa_rev, kiwi_mpa_rev, uint, 0644);
MODULE_PARM_DESC(mpa_rev, "Highest MPA revision to speak: 1, or 2 for RFC 6581 enhanced setup (default: 2)");

/*
 * Off by default: kiwi's responder does not need the RTR message unless
 * mpa_resp_wait is set, and siw's responder can miss an RTR that comes
 * right after its MPA reply (Documentation/interop.rst).
 */
bool kiwi_mpa_p2p;
module_param_named(mpa_p2p, kiwi_mpa_p2p, bool, 0644);
MODULE_PARM_DESC(mpa_p2p, "Request/accept the RFC 6581 peer-to-peer mode with a ready-to-receive message (default: off)");

bool kiwi_mpa_resp_wait;
module_param_named(mpa_resp_wait, kiwi_mpa_resp_wait, bool, 0644);
MODULE_PARM_DESC(mpa_resp_wait,
		 "As MPA responder, hold the first FPDU until the initiator's arrives even when no RFC 6581 ready-to-receive message was agreed, as RFC 5044 7.1.2 asks (default: off; siw initiators never send first on their own)");

bool kiwi_mpa_big = true;
module_param_named(mpa_big, kiwi_mpa_big, bool, 0644);
MODULE_PARM_DESC(mpa_big,
		 "Offer and accept FPDUs of up to 64 KiB, beyond the MSS, on connections whose peer is kiwi and neither side asks for markers (default: on; other peers never see them)");

unsigned int kiwi_mpa_markers = KIWI_MPA_MARKERS_ALLOW;

static int kiwi_mpa_markers_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, KIWI_MPA_MARKERS_REFUSE,
				     KIWI_MPA_MARKERS_WANT);
}

static const struct kernel_param_ops kiwi_mpa_markers_ops = {
	.set = kiwi_mpa_markers_set,
	.get = param_get_uint,
};
module_param_cb(mpa_markers, &kiwi_mpa_markers_ops, &kiwi_mpa_markers, 0644);
MODULE_PARM_DESC(mpa_markers,
		 "MPA markers (RFC 5044 section 5) on new connections: 0 refuse a peer that wants them, 1 insert them when the peer wants them, 2 also ask the peer for them (default: 1)");

/* RTR types, as their names in mpa_rtr, in KIWI_MPA_RTR_* bit order */
static const char *const kiwi_rtr_names[] = { "send", "write", "read" };

u8 kiwi_mpa_rtr = KIWI_MPA_RTR_ALL;

static int kiwi_mpa_rtr_set(const char *val, const struct kernel_param *kp)
{
	char *list, *cur, *tok;
	int i, ret = 0;
	u8 rtr = 0;

	list = kstrdup(val, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cur = strim(list);
	while ((tok = strsep(&cur, ",")) != NULL) {
		if (!strcmp(tok, "all")) {
			rtr |= KIWI_MPA_RTR_ALL;
			continue;
		}
		i = match_string(kiwi_rtr_names, ARRAY_SIZE(kiwi_rtr_names),
				 tok);
		if (i < 0) {
			ret = -EINVAL;
			break;
		}
		rtr |= BIT(i);
	}
	kfree(list);
	if (ret || !rtr)
		return -EINVAL;
	WRITE_ONCE(kiwi_mpa_rtr, rtr);
	return 0;
}

static int kiwi_mpa_rtr_get(char *buf, const struct kernel_param *kp)
{
	u8 rtr = READ_ONCE(kiwi_mpa_rtr);
	int i, len = 0;

	for (i = 0; i < ARRAY_SIZE(kiwi_rtr_names); i++)
		if (rtr & BIT(i))
			len += sysfs_emit_at(buf, len, "%s%s", len ? "," : "",
					     kiwi_rtr_names[i]);
	return len + sysfs_emit_at(buf, len, "\n");
}

static const struct kernel_param_ops kiwi_mpa_rtr_ops = {
	.set = kiwi_mpa_rtr_set,
	.get = kiwi_mpa_rtr_get,
};
module_param_cb(mpa_rtr, &kiwi_mpa_rtr_ops, NULL, 0644);
MODULE_PARM_DESC(mpa_rtr,
		 "RFC 6581 ready-to-receive messages to offer or accept, a list of send, write and read, or all (default: all)");

/* All kiwi devices that completed registration. */
static LIST_HEAD(kiwi_devices);
/* Protects kiwi_devices; never held across ib_core calls. */
static DEFINE_MUTEX(kiwi_devices_lock);
/*
 * Serialises newlink, so that two concurrent `rdma link add` on one netdev
 * cannot both pass the duplicate check.  Held across ib_register_device();
 * nothing that runs under RTNL takes it.
 */
static DEFINE_MUTEX(kiwi_newlink_lock);
/*
 * Device unregistration on netdev events, connection management, and
 * transmit work.  Flushed on unload.
 */
struct workqueue_struct *kiwi_wq;
/* Deferred releases of memory regions; flushed before a device is freed. */
struct workqueue_struct *kiwi_free_wq;
/*
 * Bulk receive placement, per CPU: cm.c picks the CPU.  Its items hold a
 * QP reference, so destroying the QP waits for them.
 */
struct workqueue_struct *kiwi_rx_wq;

static void kiwi_dealloc_driver(struct ib_device *ibdev);

static const struct ib_device_ops kiwi_device_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_UNKNOWN,
	.uverbs_abi_ver = KIWI_ABI_VERSION,

	.alloc_hw_port_stats = kiwi_alloc_hw_port_stats,
	.alloc_mr = kiwi_alloc_mr,
	.alloc_pd = kiwi_alloc_pd,
	.alloc_ucontext = kiwi_alloc_ucontext,
	.create_cq = kiwi_create_cq,
	.create_qp = kiwi_create_qp,
	.create_srq = kiwi_create_srq,
	.dealloc_driver = kiwi_dealloc_driver,
	.dealloc_pd = kiwi_dealloc_pd,
	.dealloc_ucontext = kiwi_dealloc_ucontext,
	.dereg_mr = kiwi_dereg_mr,
	.destroy_cq = kiwi_destroy_cq,
	.destroy_qp = kiwi_destroy_qp,
	.destroy_srq = kiwi_destroy_srq,
	.device_group = &kiwi_dev_attr_group,
	.get_dev_fw_str = kiwi_get_dev_fw_str,
	.get_dma_mr = kiwi_get_dma_mr,
	.get_hw_stats = kiwi_get_hw_stats,
	.get_netdev = kiwi_get_netdev,
	.get_port_immutable = kiwi_get_port_immutable,
	.iw_accept = kiwi_iw_accept,
	.iw_add_ref = kiwi_iw_add_ref,
	.iw_connect = kiwi_iw_connect,
	.iw_create_listen = kiwi_iw_create_listen,
	.iw_destroy_listen = kiwi_iw_destroy_listen,
	.iw_get_qp = kiwi_iw_get_qp,
	.iw_reject = kiwi_iw_reject,
	.iw_rem_ref = kiwi_iw_rem_ref,
	.map_mr_sg = kiwi_map_mr_sg,
	.mmap = kiwi_mmap,
	.mmap_free = kiwi_mmap_free,
	.modify_qp = kiwi_modify_qp,
	.modify_srq = kiwi_modify_srq,
	.poll_cq = kiwi_poll_cq,
	.post_recv = kiwi_post_recv,
	.post_send = kiwi_post_send,
	.post_srq_recv = kiwi_post_srq_recv,
	.query_device = kiwi_query_device,
	.query_gid = kiwi_query_gid,
	.query_pkey = kiwi_query_pkey,
	.query_port = kiwi_query_port,
	.query_qp = kiwi_query_qp,
	.query_srq = kiwi_query_srq,
	.reg_user_mr = kiwi_reg_user_mr,
	.req_notify_cq = kiwi_req_notify_cq,
	.resize_cq = kiwi_resize_cq,

	INIT_RDMA_OBJ_SIZE(ib_cq, kiwi_cq, ibcq),
	INIT_RDMA_OBJ_SIZE(ib_pd, kiwi_pd, ibpd),
	INIT_RDMA_OBJ_SIZE(ib_qp, kiwi_qp, ibqp),
	INIT_RDMA_OBJ_SIZE(ib_srq, kiwi_srq, ibsrq),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, kiwi_ucontext, ibuctx),
};

static bool kiwi_mac_usable(const struct net_device *ndev)
{
	return ndev->addr_len == ETH_ALEN &&
	       is_valid_ether_addr(ndev->dev_addr);
}

/**
 * kiwi_device_gid_mac() - the 6 bytes that make up the device's GID
 * @kdev: the device
 * @mac: ETH_ALEN bytes of output
 *
 * The netdev's current MAC when it has a valid one, else a stable
 * identifier derived from the netdev's name at creation time.
 */
void kiwi_device_gid_mac(const struct kiwi_device *kdev, u8 *mac)
{
	const struct net_device *ndev = kdev->netdev;

	if (kiwi_mac_usable(ndev))
		memcpy(mac, ndev->dev_addr, ETH_ALEN);
	else
		memcpy(mac, kdev->fallback_mac, ETH_ALEN);
}

/**
 * kiwi_device_port_state() - the port state implied by the netdev
 * @kdev: the device
 *
 * Active while the netdev is administratively up and operationally up
 * (which implies carrier), down otherwise.
 */
enum ib_port_state kiwi_device_port_state(const struct kiwi_device *kdev)
{
	const struct net_device *ndev = kdev->netdev;

	return netif_running(ndev) && netif_oper_up(ndev) ?
		IB_PORT_ACTIVE : IB_PORT_DOWN;
}

static bool kiwi_netdev_supported(const struct net_device *ndev)
{
	/*
	 * rdma_cm finds an iWARP device by the GID it builds from the
	 * source netdev's hardware address, so only netdevs with Ethernet
	 * style addressing (and loopback) can carry kiwi.
	 */
	return ndev->type == ARPHRD_ETHER || ndev->type == ARPHRD_LOOPBACK;
}

/* Find the kiwi device bound to @ndev, with a reference held. */
static struct kiwi_device *kiwi_device_get_by_netdev(struct net_device *ndev)
{
	struct ib_device *ibdev;

	ibdev = ib_device_get_by_netdev(ndev, RDMA_DRIVER_UNKNOWN);
	if (!ibdev)
		return NULL;
	/* Other drivers may use RDMA_DRIVER_UNKNOWN too. */
	if (ibdev->ops.owner != THIS_MODULE) {
		ib_device_put(ibdev);
		return NULL;
	}
	return to_kiwi_dev(ibdev);
}

/*
 * Context: process.  Called exactly once per device: by ib_core when an
 * unregistration completes, or by ib_dealloc_device() on an error path.
 */
static void kiwi_dealloc_driver(struct ib_device *ibdev)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibdev);

	mutex_lock(&kiwi_devices_lock);
	list_del_init(&kdev->list);
	mutex_unlock(&kiwi_devices_lock);

	/* Every QP, MR and cm_id is gone; so must their leftovers be. */
	kiwi_cm_device_teardown(kdev);
	kiwi_poller_stop(kdev);
	flush_workqueue(kiwi_free_wq);
	xa_destroy(&kdev->qp_xa);
	xa_destroy(&kdev->mr_xa);
	xa_destroy(&kdev->cep_xa);
	netdev_put(kdev->netdev, &kdev->netdev_tracker);
}

static void kiwi_unreg_work(struct work_struct *work)
{
	struct kiwi_device *kdev =
		container_of(work, struct kiwi_device, unreg_work);

	ib_unregister_device(&kdev->ibdev);
	put_device(&kdev->ibdev.dev);
}

static void kiwi_port_event(struct kiwi_device *kdev, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = &kdev->ibdev,
		.event = type,
		.element.port_num = KIWI_PORT,
	};

	ib_dispatch_event(&ev);
}

/* Context: netdev notifier, RTNL held. */
static void kiwi_port_update(struct kiwi_device *kdev)
{
	enum ib_port_state state = kiwi_device_port_state(kdev);

	ASSERT_RTNL();
	if (state == kdev->port_state)
		return;
	kdev->port_state = state;
	kiwi_port_event(kdev, state == IB_PORT_ACTIVE ?
			IB_EVENT_PORT_ACTIVE : IB_EVENT_PORT_ERR);
}

/* Context: process, RTNL held (netdev notifier chain). */
static int kiwi_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *arg)
{
	struct net_device *ndev = netdev_notifier_info_to_dev(arg);
	struct kiwi_device *kdev;

	kdev = kiwi_device_get_by_netdev(ndev);
	if (!kdev)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		kiwi_port_update(kdev);
		break;
	case NETDEV_CHANGEMTU:
		/*
		 * query_port reads the MTU live; IB has no MTU event, and
		 * connections keep the MSS their TCP socket negotiated.
		 */
		kiwi_dbg_dev(kdev, "mtu now %u\n", ndev->mtu);
		break;
	case NETDEV_CHANGEADDR:
		kiwi_port_event(kdev, IB_EVENT_GID_CHANGE);
		break;
	case NETDEV_UNREGISTER:
		/*
		 * The netdev waits for our reference before it can go;
		 * drop it from a work item, outside RTNL.
		 */
		get_device(&kdev->ibdev.dev);
		if (!queue_work(kiwi_wq, &kdev->unreg_work))
			put_device(&kdev->ibdev.dev);
		break;
	}
	ib_device_put(&kdev->ibdev);
	return NOTIFY_DONE;
}

static struct notifier_block kiwi_netdev_nb = {
	.notifier_call = kiwi_netdev_event,
};

static struct kiwi_device *kiwi_device_alloc(struct net_device *ndev)
{
	struct kiwi_device *kdev;
	struct ib_device *ibdev;
	u8 mac[ETH_ALEN];
	u32 h;
	int ret;

	kdev = ib_alloc_device(kiwi_device, ibdev);
	if (!kdev)
		return ERR_PTR(-ENOMEM);
	ibdev = &kdev->ibdev;

	netdev_hold(ndev, &kdev->netdev_tracker, GFP_KERNEL);
	kdev->netdev = ndev;
	INIT_LIST_HEAD(&kdev->list);
	INIT_LIST_HEAD(&kdev->ceps);
	spin_lock_init(&kdev->cep_lock);
	xa_init_flags(&kdev->qp_xa, XA_FLAGS_ALLOC1);
	xa_init_flags(&kdev->mr_xa, XA_FLAGS_ALLOC1);
	xa_init_flags(&kdev->cep_xa, XA_FLAGS_ALLOC1);
	INIT_WORK(&kdev->unreg_work, kiwi_unreg_work);
	kdev->port_state = kiwi_device_port_state(kdev);

	/* Locally administered, "k", then a hash of the netdev's name. */
	h = jhash(ndev->name, strnlen(ndev->name, IFNAMSIZ), 0x6b697769);
	kdev->fallback_mac[0] = 0x02;
	kdev->fallback_mac[1] = 'k';
	kdev->fallback_mac[2] = h >> 24;
	kdev->fallback_mac[3] = h >> 16;
	kdev->fallback_mac[4] = h >> 8;
	kdev->fallback_mac[5] = h;

	kiwi_device_gid_mac(kdev, mac);
	addrconf_addr_eui48((u8 *)&ibdev->node_guid, mac);

	ibdev->node_type = RDMA_NODE_RNIC;
	ibdev->phys_port_cnt = 1;
	ibdev->num_comp_vectors = num_possible_cpus();
	ibdev->iw_driver_flags = IW_F_NO_PORT_MAP;
	ibdev->uverbs_cmd_mask |= BIT_ULL(IB_USER_VERBS_CMD_POST_SEND) |
				  BIT_ULL(IB_USER_VERBS_CMD_POST_RECV);
	strscpy(ibdev->node_desc, KIWI_NODE_DESC, sizeof(ibdev->node_desc));
	strscpy(ibdev->iw_ifname, ndev->name, sizeof(ibdev->iw_ifname));
	ib_set_device_ops(ibdev, &kiwi_device_ops);

	ret = ib_device_set_netdev(ibdev, ndev, KIWI_PORT);
	if (ret) {
		/* Calls kiwi_dealloc_driver(), which drops the netdev. */
		ib_dealloc_device(ibdev);
		return ERR_PTR(ret);
	}
	return kdev;
}

/* Context: process, from rdma netlink; link_ops_rwsem held for read. */
static int kiwi_newlink(const char *ibdev_name, struct net_device *ndev)
{
	struct kiwi_device *kdev;
	int ret;

	if (!kiwi_netdev_supported(ndev)) {
		pr_warn("%s: netdev type %u is not supported (Ethernet or loopback only)\n",
			netdev_name(ndev), ndev->type);
		return -EOPNOTSUPP;
	}

	mutex_lock(&kiwi_newlink_lock);
	kdev = kiwi_device_get_by_netdev(ndev);
	if (kdev) {
		pr_warn("%s: already carries kiwi device %s\n",
			netdev_name(ndev), dev_name(&kdev->ibdev.dev));
		ib_device_put(&kdev->ibdev);
		ret = -EEXIST;
		goto out_unlock;
	}

	kdev = kiwi_device_alloc(ndev);
	if (IS_ERR(kdev)) {
		ret = PTR_ERR(kdev);
		goto out_unlock;
	}

	/*
	 * Publish on our list before registering: once registered, a
	 * NETDEV_UNREGISTER or `rdma link delete` can run dealloc_driver,
	 * which unlinks it.
	 */
	mutex_lock(&kiwi_devices_lock);
	list_add_tail(&kdev->list, &kiwi_devices);
	mutex_unlock(&kiwi_devices_lock);

	ret = ib_register_device(&kdev->ibdev, ibdev_name, NULL);
	if (ret) {
		/* Calls kiwi_dealloc_driver(): off the list, netdev put. */
		ib_dealloc_device(&kdev->ibdev);
		goto out_unlock;
	}
	pr_info("%s: created on %s\n", dev_name(&kdev->ibdev.dev),
		netdev_name(ndev));
out_unlock:
	mutex_unlock(&kiwi_newlink_lock);
	return ret;
}

static struct rdma_link_ops kiwi_link_ops = {
	.type = "kiwi",
	.newlink = kiwi_newlink,
};

static void kiwi_unregister_all(void)
{
	struct kiwi_device *kdev;

	for (;;) {
		mutex_lock(&kiwi_devices_lock);
		kdev = list_first_entry_or_null(&kiwi_devices,
						struct kiwi_device, list);
		if (kdev)
			get_device(&kdev->ibdev.dev);
		mutex_unlock(&kiwi_devices_lock);
		if (!kdev)
			break;
		/* Waits for a concurrent unregistration, if any. */
		ib_unregister_device(&kdev->ibdev);
		put_device(&kdev->ibdev.dev);
	}
}

static int __init kiwi_init(void)
{
	int ret;

	kiwi_wq = alloc_workqueue("kiwi", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!kiwi_wq)
		return -ENOMEM;
	kiwi_free_wq = alloc_workqueue("kiwi_free", WQ_MEM_RECLAIM, 0);
	if (!kiwi_free_wq) {
		ret = -ENOMEM;
		goto err_destroy_wq;
	}
	kiwi_rx_wq = alloc_workqueue("kiwi_rx", WQ_HIGHPRI | WQ_MEM_RECLAIM, 0);
	if (!kiwi_rx_wq) {
		ret = -ENOMEM;
		goto err_destroy_free_wq;
	}

	ret = register_netdevice_notifier(&kiwi_netdev_nb);
	if (ret)
		goto err_destroy_rx_wq;

	rdma_link_register(&kiwi_link_ops);
	pr_info("kiwi %s loaded\n", KIWI_VERSION);
	return 0;

err_destroy_rx_wq:
	destroy_workqueue(kiwi_rx_wq);
err_destroy_free_wq:
	destroy_workqueue(kiwi_free_wq);
err_destroy_wq:
	destroy_workqueue(kiwi_wq);
	return ret;
}

static void __exit kiwi_exit(void)
{
	/* No new devices, then no new netdev-triggered unregistrations. */
	rdma_link_unregister(&kiwi_link_ops);
	unregister_netdevice_notifier(&kiwi_netdev_nb);
	flush_workqueue(kiwi_wq);
	kiwi_unregister_all();
	/* Sockets released gracefully may still hold zero-copy pages. */
	kiwi_zc_wait_all();
	destroy_workqueue(kiwi_wq);
	destroy_workqueue(kiwi_free_wq);
	destroy_workqueue(kiwi_rx_wq);
	pr_info("kiwi unloaded\n");
}

module_init(kiwi_init);
module_exit(kiwi_exit);

MODULE_ALIAS_RDMA_LINK("kiwi");
MODULE_AUTHOR("The kiwi authors");
MODULE_DESCRIPTION("kiwi: software iWARP RDMA over kernel TCP sockets");
MODULE_LICENSE("GPL");
MODULE_VERSION(KIWI_VERSION);
