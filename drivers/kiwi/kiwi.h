/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: software iWARP RNIC.  Core device object, shared by every file.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_H
#define KIWI_H

#include <linux/etherdevice.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>

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
 */
struct kiwi_device {
	struct ib_device ibdev;
	struct net_device *netdev;
	netdevice_tracker netdev_tracker;
	enum ib_port_state port_state;
	u8 fallback_mac[ETH_ALEN];
	struct list_head list;
	struct work_struct unreg_work;
};

static inline struct kiwi_device *to_kiwi_dev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct kiwi_device, ibdev);
}

#define kiwi_dbg_dev(kdev, fmt, ...) \
	ibdev_dbg(&(kdev)->ibdev, "%s: " fmt, __func__, ##__VA_ARGS__)

/* main.c */
void kiwi_device_gid_mac(const struct kiwi_device *kdev, u8 *mac);
enum ib_port_state kiwi_device_port_state(const struct kiwi_device *kdev);

#endif /* KIWI_H */
