// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: device and port queries, and the ib_device_ops table.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/cpumask.h>
#include <linux/file.h>
#include <net/addrconf.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_verbs.h>
#include <uapi/rdma/kiwi-abi.h>

#include "db.h"
#include "kiwi.h"
#include "kiwi_param.h"
#include "ring.h"
#include "verbs.h"

/*
 * Context: process.  The limits are the ones the verbs enforce (see
 * kiwi_param.h for how they follow from what objects cost).
 */
int kiwi_query_device(struct ib_device *ibdev, struct ib_device_attr *attr,
		      struct ib_udata *udata)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibdev);

	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen))
		return -EINVAL;

	memset(attr, 0, sizeof(*attr));
	attr->vendor_id = KIWI_VENDOR_ID;
	attr->vendor_part_id = KIWI_VENDOR_PART_ID;
	attr->hw_ver = KIWI_HW_VERSION;
	attr->sys_image_guid = kdev->ibdev.node_guid;
	attr->max_mr_size = U64_MAX;
	attr->page_size_cap = PAGE_SIZE;
	attr->max_qp = KIWI_MAX_QP;
	attr->max_qp_wr = KIWI_MAX_QP_WR;
	attr->device_cap_flags = IB_DEVICE_MEM_MGT_EXTENSIONS;
	attr->kernel_cap_flags = IBK_ALLOW_USER_UNREG;
	attr->max_send_sge = KIWI_MAX_SEND_SGE;
	attr->max_recv_sge = KIWI_MAX_RECV_SGE;
	attr->max_sge_rd = KIWI_MAX_SGE_RD;
	attr->max_cq = KIWI_MAX_CQ;
	attr->max_cqe = KIWI_MAX_CQE;
	attr->max_mr = KIWI_MAX_MR;
	attr->max_pd = KIWI_MAX_PD;
	attr->max_qp_rd_atom = KIWI_MAX_ORD;
	attr->max_qp_init_rd_atom = KIWI_MAX_ORD;
	attr->max_res_rd_atom = KIWI_MAX_QP * KIWI_MAX_IRD;
	attr->max_srq = KIWI_MAX_SRQ;
	attr->max_srq_wr = KIWI_MAX_SRQ_WR;
	attr->max_srq_sge = KIWI_MAX_RECV_SGE;
	attr->max_fast_reg_page_list_len = KIWI_MAX_FRMR_PAGES;
	attr->max_pkeys = 1;
	attr->atomic_cap = IB_ATOMIC_NONE;
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

/*
 * Port counters (`rdma statistic show`): how many bytes the transmitter
 * handed TCP zero-copy and how many to copy; how many doorbell system
 * calls processes made, and how often the SQ poller made way for another
 * task (and so asked for those doorbells).
 */
enum kiwi_hw_stat {
	KIWI_STAT_TX_ZCOPY_BYTES,
	KIWI_STAT_TX_COPY_BYTES,
	KIWI_STAT_SQ_DOORBELLS,
	KIWI_STAT_SQ_POLL_YIELDS,
};

static const struct rdma_stat_desc kiwi_hw_stat_descs[] = {
	[KIWI_STAT_TX_ZCOPY_BYTES].name = "tx_zcopy_bytes",
	[KIWI_STAT_TX_COPY_BYTES].name = "tx_copy_bytes",
	[KIWI_STAT_SQ_DOORBELLS].name = "sq_doorbells",
	[KIWI_STAT_SQ_POLL_YIELDS].name = "sq_poll_yields",
};

struct rdma_hw_stats *kiwi_alloc_hw_port_stats(struct ib_device *ibdev,
					       u32 port)
{
	return rdma_alloc_hw_stats_struct(kiwi_hw_stat_descs,
					  ARRAY_SIZE(kiwi_hw_stat_descs),
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

int kiwi_get_hw_stats(struct ib_device *ibdev, struct rdma_hw_stats *stats,
		      u32 port, int index)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibdev);

	stats->value[KIWI_STAT_TX_ZCOPY_BYTES] =
		atomic64_read(&kdev->tx_zcopy_bytes);
	stats->value[KIWI_STAT_TX_COPY_BYTES] =
		atomic64_read(&kdev->tx_copy_bytes);
	stats->value[KIWI_STAT_SQ_DOORBELLS] =
		atomic64_read(&kdev->sq_doorbells);
	stats->value[KIWI_STAT_SQ_POLL_YIELDS] =
		atomic64_read(&kdev->sq_poll_yields);
	return ARRAY_SIZE(kiwi_hw_stat_descs);
}

/* Context: process. */
/* Numbers for contexts, never reused (db.c). */
static atomic64_t kiwi_uctx_ids = ATOMIC64_INIT(0);

int kiwi_alloc_ucontext(struct ib_ucontext *ibuctx, struct ib_udata *udata)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibuctx->device);
	struct kiwi_ucontext *uctx = to_kiwi_uctx(ibuctx);
	struct kiwi_alloc_ctx_resp resp = {
		.abi_version = KIWI_ABI_VERSION,
		.sqe_size = sizeof(struct kiwi_sqe),
		.rqe_size = sizeof(struct kiwi_rqe),
		.cqe_size = sizeof(struct kiwi_cqe),
		.ring_hdr_size = KIWI_RING_HDR_SIZE,
		.db_fd = -1,
	};
	/* A provider from before the doorbell file takes the short one. */
	size_t resp_len = min(udata->outlen, sizeof(resp));
	struct kiwi_alloc_ctx_req req = {};
	struct file *db_file = NULL;
	int ret;

	if (udata->inlen > sizeof(req) &&
	    !ib_is_udata_cleared(udata, sizeof(req),
				 udata->inlen - sizeof(req)))
		return -EINVAL;
	ret = ib_copy_from_udata(&req, udata, min(udata->inlen, sizeof(req)));
	if (ret)
		return ret;
	if (req.flags & ~KIWI_CTX_REQ_DB_FD)
		return -EOPNOTSUPP;
	if (req.rsvd0)
		return -EINVAL;
	if (resp_len < offsetof(struct kiwi_alloc_ctx_resp, db_fd))
		return -EINVAL;
	if (!kiwi_obj_get(&kdev->num_uctx, KIWI_MAX_UCTX))
		return -ENOMEM;
	uctx->id = atomic64_inc_return(&kiwi_uctx_ids);
	/*
	 * On one CPU a spinning poller only takes the time the process
	 * needs to post (measured: 64 B write latency 2.4 ms with it, 0.26 ms
	 * without); doorbells do better there.
	 */
	uctx->sq_poll = READ_ONCE(kiwi_sq_poll) && num_online_cpus() > 1;
	if (uctx->sq_poll)
		resp.flags |= KIWI_CTX_F_SQ_POLL;
	if ((req.flags & KIWI_CTX_REQ_DB_FD) && resp_len == sizeof(resp)) {
		resp.db_fd = get_unused_fd_flags(O_CLOEXEC);
		if (resp.db_fd < 0) {
			ret = resp.db_fd;
			goto err;
		}
		ret = kiwi_db_open(uctx, &db_file);
		if (ret) {
			put_unused_fd(resp.db_fd);
			goto err;
		}
		resp.flags |= KIWI_CTX_F_DB_FD;
	}
	ret = ib_copy_to_udata(udata, &resp, resp_len);
	if (ret)
		goto err_db;
	/* Nothing fails after this: the process has the file from now on. */
	if (db_file)
		fd_install(resp.db_fd, db_file);
	return 0;

err_db:
	if (db_file) {
		kiwi_db_detach(uctx);
		fput(db_file);
		put_unused_fd(resp.db_fd);
	}
err:
	atomic_dec(&kdev->num_uctx);
	return ret;
}

void kiwi_dealloc_ucontext(struct ib_ucontext *ibuctx)
{
	kiwi_db_detach(to_kiwi_uctx(ibuctx));
	atomic_dec(&to_kiwi_dev(ibuctx->device)->num_uctx);
}

/* Context: process. */
int kiwi_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibpd->device);

	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen))
		return -EINVAL;
	if (!kiwi_obj_get(&kdev->num_pd, KIWI_MAX_PD))
		return -ENOMEM;
	return 0;
}

int kiwi_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	atomic_dec(&to_kiwi_dev(ibpd->device)->num_pd);
	return 0;
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
