// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: device and port queries, and the ib_device_ops table.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <net/addrconf.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_verbs.h>
#include <uapi/rdma/kiwi-abi.h>

#include "kiwi.h"
#include "kiwi_param.h"
#include "verbs.h"

int kiwi_query_device(struct ib_device *ibdev, struct ib_device_attr *attr,
		      struct ib_udata *udata)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibdev);

	if (udata && (udata->inlen || udata->outlen))
		return -EINVAL;

	memset(attr, 0, sizeof(*attr));
	attr->vendor_id = KIWI_VENDOR_ID;
	attr->vendor_part_id = KIWI_VENDOR_PART_ID;
	attr->hw_ver = KIWI_HW_VERSION;
	attr->sys_image_guid = kdev->ibdev.node_guid;
	attr->kernel_cap_flags = IBK_ALLOW_USER_UNREG;
	attr->page_size_cap = PAGE_SIZE;
	return 0;
}

int kiwi_query_port(struct ib_device *ibdev, u32 port,
		    struct ib_port_attr *attr)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibdev);
	struct net_device *ndev = kdev->netdev;

	memset(attr, 0, sizeof(*attr));
	attr->state = kiwi_device_port_state(kdev);
	attr->phys_state = attr->state == IB_PORT_ACTIVE ?
		IB_PORT_PHYS_STATE_LINK_UP : IB_PORT_PHYS_STATE_DISABLED;
	attr->max_mtu = IB_MTU_4096;
	attr->active_mtu = ib_mtu_int_to_enum(READ_ONCE(ndev->mtu));
	attr->gid_tbl_len = 1;
	attr->pkey_tbl_len = 1;
	attr->port_cap_flags = IB_PORT_CM_SUP | IB_PORT_DEVICE_MGMT_SUP;
	attr->max_msg_sz = -1;
	/* iWARP has no IB link speed; report what the netdev is, roughly. */
	attr->active_speed = IB_SPEED_EDR;
	attr->active_width = IB_WIDTH_4X;
	return 0;
}

int kiwi_get_port_immutable(struct ib_device *ibdev, u32 port,
			    struct ib_port_immutable *imm)
{
	imm->gid_tbl_len = 1;
	imm->pkey_tbl_len = 1;
	imm->core_cap_flags = RDMA_CORE_PORT_IWARP;
	return 0;
}

int kiwi_query_gid(struct ib_device *ibdev, u32 port, int index,
		   union ib_gid *gid)
{
	if (index != 0)
		return -EINVAL;
	/* iWARP GIDs are the MAC, zero padded: that is what rdma_cm
	 * copies out of the resolved source address and looks up.
	 */
	memset(gid, 0, sizeof(*gid));
	kiwi_device_gid_mac(to_kiwi_dev(ibdev), gid->raw);
	return 0;
}

int kiwi_query_pkey(struct ib_device *ibdev, u32 port, u16 index, u16 *pkey)
{
	if (index != 0)
		return -EINVAL;
	*pkey = 0xffff;
	return 0;
}

struct net_device *kiwi_get_netdev(struct ib_device *ibdev, u32 port)
{
	struct net_device *ndev = to_kiwi_dev(ibdev)->netdev;

	dev_hold(ndev);
	return ndev;
}

void kiwi_get_dev_fw_str(struct ib_device *ibdev, char *str)
{
	snprintf(str, IB_FW_VERSION_NAME_MAX, "kiwi-%s", KIWI_VERSION);
}

static ssize_t netdev_show(struct device *device,
			   struct device_attribute *attr, char *buf)
{
	struct kiwi_device *kdev =
		rdma_device_to_drv_device(device, struct kiwi_device, ibdev);

	return sysfs_emit(buf, "%s\n", netdev_name(kdev->netdev));
}
static DEVICE_ATTR_RO(netdev);

/* What libkiwi's match_device() looks for: this file, with its ABI. */
static ssize_t kiwi_abi_version_show(struct device *device,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", KIWI_ABI_VERSION);
}
static DEVICE_ATTR_RO(kiwi_abi_version);

static struct attribute *kiwi_dev_attrs[] = {
	&dev_attr_kiwi_abi_version.attr,
	&dev_attr_netdev.attr,
	NULL,
};

const struct attribute_group kiwi_dev_attr_group = {
	.attrs = kiwi_dev_attrs,
};
