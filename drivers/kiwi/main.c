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
#include <net/addrconf.h>
#include <rdma/iw_cm.h>
#include <rdma/rdma_netlink.h>
#include <uapi/rdma/kiwi-abi.h>

#include "kiwi.h"
#include "kiwi_param.h"
#include "verbs.h"

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
/* Runs unregistrations triggered by netdev events; flushed on unload. */
static struct workqueue_struct *kiwi_wq;

static void kiwi_dealloc_driver(struct ib_device *ibdev);

static const struct ib_device_ops kiwi_device_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_UNKNOWN,
	.uverbs_abi_ver = KIWI_ABI_VERSION,

	.dealloc_driver = kiwi_dealloc_driver,
	.device_group = &kiwi_dev_attr_group,
	.get_dev_fw_str = kiwi_get_dev_fw_str,
	.get_netdev = kiwi_get_netdev,
	.get_port_immutable = kiwi_get_port_immutable,
	.query_device = kiwi_query_device,
	.query_gid = kiwi_query_gid,
	.query_pkey = kiwi_query_pkey,
	.query_port = kiwi_query_port,
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

	ret = register_netdevice_notifier(&kiwi_netdev_nb);
	if (ret)
		goto err_destroy_wq;

	rdma_link_register(&kiwi_link_ops);
	pr_info("kiwi %s loaded\n", KIWI_VERSION);
	return 0;

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
	destroy_workqueue(kiwi_wq);
	pr_info("kiwi unloaded\n");
}

module_init(kiwi_init);
module_exit(kiwi_exit);

MODULE_ALIAS_RDMA_LINK("kiwi");
MODULE_AUTHOR("The kiwi authors");
MODULE_DESCRIPTION("kiwi: software iWARP RDMA over kernel TCP sockets");
MODULE_LICENSE("GPL");
MODULE_VERSION(KIWI_VERSION);
