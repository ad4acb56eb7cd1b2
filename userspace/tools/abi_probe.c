// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: print the size and field offsets of every provider-interface
 * structure libkiwi declares itself.
 *
 * Built twice by abi-compare.sh: once against rdma-core's own
 * libibverbs/driver.h (-DPROBE_RDMA_CORE) and once against
 * userspace/provider/verbs_provider.h.  The two outputs must be equal.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <stddef.h>
#include <stdio.h>

#ifdef PROBE_RDMA_CORE
#include <infiniband/driver.h>
#define LIST_NODE struct list_node
#else
#include "verbs_provider.h"
#define LIST_NODE struct verbs_list_node
#endif

#define SIZE(t)		printf("sizeof %s %zu\n", #t, sizeof(t))
#define OFF(t, f)	printf("offsetof %s.%s %zu\n", #t, #f, offsetof(t, f))

int main(void)
{
	SIZE(LIST_NODE);

	SIZE(struct verbs_match_ent);
	OFF(struct verbs_match_ent, u);
	OFF(struct verbs_match_ent, vendor);
	OFF(struct verbs_match_ent, device);
	OFF(struct verbs_match_ent, kind);

	SIZE(struct verbs_sysfs_dev);
	OFF(struct verbs_sysfs_dev, provider_data);
	OFF(struct verbs_sysfs_dev, match);
	OFF(struct verbs_sysfs_dev, flags);
	OFF(struct verbs_sysfs_dev, sysfs_name);
	OFF(struct verbs_sysfs_dev, sysfs_cdev);
	OFF(struct verbs_sysfs_dev, ibdev_name);
	OFF(struct verbs_sysfs_dev, ibdev_path);
	OFF(struct verbs_sysfs_dev, modalias);
	OFF(struct verbs_sysfs_dev, node_guid);
	OFF(struct verbs_sysfs_dev, driver_id);
	OFF(struct verbs_sysfs_dev, node_type);
	OFF(struct verbs_sysfs_dev, ibdev_idx);
	OFF(struct verbs_sysfs_dev, num_ports);
	OFF(struct verbs_sysfs_dev, abi_ver);
	OFF(struct verbs_sysfs_dev, time_created);

	SIZE(struct verbs_device_ops);
	OFF(struct verbs_device_ops, match_min_abi_version);
	OFF(struct verbs_device_ops, match_max_abi_version);
	OFF(struct verbs_device_ops, match_table);
	OFF(struct verbs_device_ops, static_providers);
	OFF(struct verbs_device_ops, match_device);
	OFF(struct verbs_device_ops, alloc_context);
	OFF(struct verbs_device_ops, import_context);
	OFF(struct verbs_device_ops, alloc_device);
	OFF(struct verbs_device_ops, uninit_device);

	SIZE(struct verbs_device);
	OFF(struct verbs_device, ops);
	OFF(struct verbs_device, refcount);
	OFF(struct verbs_device, entry);
	OFF(struct verbs_device, sysfs);
	OFF(struct verbs_device, core_support);

	SIZE(struct verbs_xrcd);
	OFF(struct verbs_xrcd, comp_mask);
	OFF(struct verbs_xrcd, handle);
	SIZE(struct verbs_srq);
	OFF(struct verbs_srq, srq_type);
	OFF(struct verbs_srq, xrcd);
	OFF(struct verbs_srq, cq);
	OFF(struct verbs_srq, srq_num);
	SIZE(struct verbs_qp);
	OFF(struct verbs_qp, comp_mask);
	OFF(struct verbs_qp, xrcd);
	SIZE(struct verbs_cq);
	SIZE(struct verbs_mr);
	OFF(struct verbs_mr, mr_type);
	OFF(struct verbs_mr, access);

	SIZE(struct ibv_alloc_pd);
	SIZE(struct ibv_create_cq);
	SIZE(struct ibv_create_qp);
	SIZE(struct ibv_create_srq);
	SIZE(struct ibv_get_context);
	SIZE(struct ibv_modify_qp);
	SIZE(struct ibv_modify_srq);
	SIZE(struct ibv_query_port);
	SIZE(struct ibv_query_qp);
	SIZE(struct ibv_query_srq);
	SIZE(struct ibv_reg_mr);

	SIZE(struct verbs_context_ops);
#define OP(name) OFF(struct verbs_context_ops, name)
	OP(advise_mr);
	OP(alloc_dm);
	OP(alloc_mw);
	OP(alloc_null_mr);
	OP(alloc_parent_domain);
	OP(alloc_pd);
	OP(alloc_td);
	OP(async_event);
	OP(attach_counters_point_flow);
	OP(attach_mcast);
	OP(bind_mw);
	OP(close_xrcd);
	OP(cq_event);
	OP(create_ah);
	OP(create_counters);
	OP(create_cq);
	OP(create_cq_ex);
	OP(create_flow);
	OP(create_flow_action_esp);
	OP(create_qp);
	OP(create_qp_ex);
	OP(create_rwq_ind_table);
	OP(create_srq);
	OP(create_srq_ex);
	OP(create_wq);
	OP(dealloc_mw);
	OP(dealloc_pd);
	OP(dealloc_td);
	OP(dereg_mr);
	OP(destroy_ah);
	OP(destroy_counters);
	OP(destroy_cq);
	OP(destroy_flow);
	OP(destroy_flow_action);
	OP(destroy_qp);
	OP(destroy_rwq_ind_table);
	OP(destroy_srq);
	OP(destroy_wq);
	OP(detach_mcast);
	OP(free_context);
	OP(free_dm);
	OP(get_srq_num);
	OP(import_dm);
	OP(import_mr);
	OP(import_pd);
	OP(modify_cq);
	OP(modify_flow_action_esp);
	OP(modify_qp);
	OP(modify_qp_rate_limit);
	OP(modify_srq);
	OP(modify_wq);
	OP(open_qp);
	OP(open_xrcd);
	OP(poll_cq);
	OP(post_recv);
	OP(post_send);
	OP(post_srq_ops);
	OP(post_srq_recv);
	OP(query_device_ex);
	OP(query_ece);
	OP(query_port);
	OP(query_qp);
	OP(query_qp_data_in_order);
	OP(query_rt_values);
	OP(query_srq);
	OP(read_counters);
	OP(reg_dm_mr);
	OP(reg_dmabuf_mr);
	OP(reg_mr);
	OP(req_notify_cq);
	OP(rereg_mr);
	OP(resize_cq);
	OP(set_ece);
	OP(unimport_dm);
	OP(unimport_mr);
	OP(unimport_pd);
	return 0;
}
