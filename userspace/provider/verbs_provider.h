/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * kiwi: the subset of rdma-core's provider interface that libkiwi uses.
 *
 * Copyright (c) 2026 The kiwi authors
 *
 * rdma-core builds its providers inside its own tree against
 * libibverbs/driver.h, and distributions install neither that header nor
 * the source.  This header declares, from the documented layout, what an
 * out-of-tree provider needs: the registration entry point, the device
 * and context operation tables, the objects libibverbs and the provider
 * share (verbs_device, verbs_qp, ...) and the ibv_cmd_* wrappers we call.
 *
 * Which rdma-core.  These are the private interfaces of symbol version
 * IBVERBS_PRIVATE_34.  rdma-core 34 to 56 export that version, but 34 and
 * 35 have a shorter verbs_context_ops (73 and 75 entries); the layout
 * below (76 entries) is the one of rdma-core 36 to 56, which is also the
 * range that exports both IBVERBS_PRIVATE_34 and IBVERBS_1.14.  The
 * Makefile refuses any other libibverbs, and the provider references an
 * IBVERBS_1.14 symbol so that the dynamic linker refuses one too.
 *
 * The public types (struct ibv_qp_ex, struct verbs_context, ...) come from
 * the installed <infiniband/verbs.h>; they grow between releases, so the
 * provider must be built against the libibverbs it runs with, like every
 * rdma-core provider.
 *
 * The static_asserts pin what can be checked at compile time.  The
 * operation table is also checked against the installed library at run
 * time by userspace/tests/test_abi.cc, through the real verbs_set_ops().
 */
#ifndef KIWI_VERBS_PROVIDER_H
#define KIWI_VERBS_PROVIDER_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <infiniband/verbs.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/ib_user_verbs.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The private ABI this header describes. */
#define KIWI_IBVERBS_PABI	34
#define KIWI_VERBS_CONTEXT_OPS	76

/*
 * libibverbs' atomic_int.  C++ (the unit tests) has no <stdatomic.h>
 * before C++23; the provider never touches the field, so a plain int of
 * the same size and alignment stands in for it there.
 */
#ifdef __cplusplus
typedef int verbs_atomic_int;
#else
#include <stdatomic.h>
typedef atomic_int verbs_atomic_int;
static_assert(sizeof(atomic_int) == sizeof(int) &&
	      _Alignof(atomic_int) == _Alignof(int), "atomic_int");
#endif

/* ccan's struct list_node, embedded in libibverbs' objects. */
struct verbs_list_node {
	struct verbs_list_node *next;
	struct verbs_list_node *prev;
};

/* One entry of a match table; kiwi matches in match_device() instead. */
enum {
	VERBS_MATCH_SENTINEL	= 0,
	VERBS_MATCH_PCI		= 1,
	VERBS_MATCH_MODALIAS	= 2,
	VERBS_MATCH_DRIVER_ID	= 3,
};

struct verbs_match_ent {
	void *driver_data;
	union {
		const char *modalias;
		uint64_t driver_id;
	} u;
	uint16_t vendor;
	uint16_t device;
	uint8_t kind;
};

/* A device libibverbs found in sysfs and netlink, before matching. */
struct verbs_sysfs_dev {
	struct verbs_list_node entry;
	void *provider_data;
	const struct verbs_match_ent *match;
	unsigned int flags;
	char sysfs_name[IBV_SYSFS_NAME_MAX];
	dev_t sysfs_cdev;
	char ibdev_name[IBV_SYSFS_NAME_MAX];
	char ibdev_path[IBV_SYSFS_PATH_MAX];
	char modalias[512];
	uint64_t node_guid;
	uint32_t driver_id;
	enum ibv_node_type node_type;
	int ibdev_idx;
	uint32_t num_ports;
	uint32_t abi_ver;	/* the uverbs ABI of the device's driver */
	struct timespec time_created;
};

struct verbs_device;

struct verbs_device_ops {
	const char *name;
	uint32_t match_min_abi_version;
	uint32_t match_max_abi_version;
	const struct verbs_match_ent *match_table;
	const struct verbs_device_ops **static_providers;
	bool (*match_device)(struct verbs_sysfs_dev *sysfs_dev);
	struct verbs_context *(*alloc_context)(struct ibv_device *device,
					       int cmd_fd, void *private_data);
	struct verbs_context *(*import_context)(struct ibv_device *device,
						int cmd_fd);
	struct verbs_device *(*alloc_device)(struct verbs_sysfs_dev *sysfs_dev);
	void (*uninit_device)(struct verbs_device *device);
};

struct verbs_device {
	struct ibv_device device;	/* first: libibverbs casts */
	const struct verbs_device_ops *ops;
	verbs_atomic_int refcount;
	struct verbs_list_node entry;
	struct verbs_sysfs_dev *sysfs;
	uint64_t core_support;
};

/* Objects whose layout libibverbs knows.  They embed the public ones. */
struct verbs_xrcd {
	struct ibv_xrcd xrcd;
	uint32_t comp_mask;
	uint32_t handle;
};

struct verbs_srq {
	struct ibv_srq srq;
	enum ibv_srq_type srq_type;
	struct verbs_xrcd *xrcd;
	struct ibv_cq *cq;
	uint32_t srq_num;
};

/* verbs_qp.comp_mask: ibv_qp_to_qp_ex() returns NULL without VERBS_QP_EX. */
enum {
	VERBS_QP_XRCD	= 1 << 0,
	VERBS_QP_EX	= 1 << 1,
};

struct verbs_qp {
	union {
		struct ibv_qp qp;
		struct ibv_qp_ex qp_ex;
	};
	uint32_t comp_mask;
	struct verbs_xrcd *xrcd;
};

struct verbs_cq {
	union {
		struct ibv_cq cq;
		struct ibv_cq_ex cq_ex;
	};
};

struct verbs_mr {
	struct ibv_mr ibv_mr;
	int mr_type;		/* rdma-core's enum ibv_mr_type */
	int access;
};

/*
 * Every operation a provider can implement, sorted by name as rdma-core
 * keeps it.  verbs_set_ops() copies the non-NULL ones; libibverbs'
 * stubs answer EOPNOTSUPP for the rest.
 */
struct verbs_context_ops {
	int (*advise_mr)(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
			 uint32_t flags, struct ibv_sge *sg_list,
			 uint32_t num_sges);
	struct ibv_dm *(*alloc_dm)(struct ibv_context *context,
				   struct ibv_alloc_dm_attr *attr);
	struct ibv_mw *(*alloc_mw)(struct ibv_pd *pd, enum ibv_mw_type type);
	struct ibv_mr *(*alloc_null_mr)(struct ibv_pd *pd);
	struct ibv_pd *(*alloc_parent_domain)(
		struct ibv_context *context,
		struct ibv_parent_domain_init_attr *attr);
	struct ibv_pd *(*alloc_pd)(struct ibv_context *context);
	struct ibv_td *(*alloc_td)(struct ibv_context *context,
				   struct ibv_td_init_attr *init_attr);
	void (*async_event)(struct ibv_context *context,
			    struct ibv_async_event *event);
	int (*attach_counters_point_flow)(struct ibv_counters *counters,
					  struct ibv_counter_attach_attr *attr,
					  struct ibv_flow *flow);
	int (*attach_mcast)(struct ibv_qp *qp, const union ibv_gid *gid,
			    uint16_t lid);
	int (*bind_mw)(struct ibv_qp *qp, struct ibv_mw *mw,
		       struct ibv_mw_bind *mw_bind);
	int (*close_xrcd)(struct ibv_xrcd *xrcd);
	void (*cq_event)(struct ibv_cq *cq);
	struct ibv_ah *(*create_ah)(struct ibv_pd *pd,
				    struct ibv_ah_attr *attr);
	struct ibv_counters *(*create_counters)(
		struct ibv_context *context,
		struct ibv_counters_init_attr *init_attr);
	struct ibv_cq *(*create_cq)(struct ibv_context *context, int cqe,
				    struct ibv_comp_channel *channel,
				    int comp_vector);
	struct ibv_cq_ex *(*create_cq_ex)(struct ibv_context *context,
					  struct ibv_cq_init_attr_ex *attr);
	struct ibv_flow *(*create_flow)(struct ibv_qp *qp,
					struct ibv_flow_attr *flow_attr);
	struct ibv_flow_action *(*create_flow_action_esp)(
		struct ibv_context *context,
		struct ibv_flow_action_esp_attr *attr);
	struct ibv_qp *(*create_qp)(struct ibv_pd *pd,
				    struct ibv_qp_init_attr *attr);
	struct ibv_qp *(*create_qp_ex)(struct ibv_context *context,
				       struct ibv_qp_init_attr_ex *attr);
	struct ibv_rwq_ind_table *(*create_rwq_ind_table)(
		struct ibv_context *context,
		struct ibv_rwq_ind_table_init_attr *init_attr);
	struct ibv_srq *(*create_srq)(struct ibv_pd *pd,
				      struct ibv_srq_init_attr *attr);
	struct ibv_srq *(*create_srq_ex)(struct ibv_context *context,
					 struct ibv_srq_init_attr_ex *attr);
	struct ibv_wq *(*create_wq)(struct ibv_context *context,
				    struct ibv_wq_init_attr *attr);
	int (*dealloc_mw)(struct ibv_mw *mw);
	int (*dealloc_pd)(struct ibv_pd *pd);
	int (*dealloc_td)(struct ibv_td *td);
	int (*dereg_mr)(struct verbs_mr *vmr);
	int (*destroy_ah)(struct ibv_ah *ah);
	int (*destroy_counters)(struct ibv_counters *counters);
	int (*destroy_cq)(struct ibv_cq *cq);
	int (*destroy_flow)(struct ibv_flow *flow);
	int (*destroy_flow_action)(struct ibv_flow_action *action);
	int (*destroy_qp)(struct ibv_qp *qp);
	int (*destroy_rwq_ind_table)(struct ibv_rwq_ind_table *table);
	int (*destroy_srq)(struct ibv_srq *srq);
	int (*destroy_wq)(struct ibv_wq *wq);
	int (*detach_mcast)(struct ibv_qp *qp, const union ibv_gid *gid,
			    uint16_t lid);
	void (*free_context)(struct ibv_context *context);
	int (*free_dm)(struct ibv_dm *dm);
	int (*get_srq_num)(struct ibv_srq *srq, uint32_t *srq_num);
	struct ibv_dm *(*import_dm)(struct ibv_context *context,
				    uint32_t dm_handle);
	struct ibv_mr *(*import_mr)(struct ibv_pd *pd, uint32_t mr_handle);
	struct ibv_pd *(*import_pd)(struct ibv_context *context,
				    uint32_t pd_handle);
	int (*modify_cq)(struct ibv_cq *cq, struct ibv_modify_cq_attr *attr);
	int (*modify_flow_action_esp)(struct ibv_flow_action *action,
				      struct ibv_flow_action_esp_attr *attr);
	int (*modify_qp)(struct ibv_qp *qp, struct ibv_qp_attr *attr,
			 int attr_mask);
	int (*modify_qp_rate_limit)(struct ibv_qp *qp,
				    struct ibv_qp_rate_limit_attr *attr);
	int (*modify_srq)(struct ibv_srq *srq, struct ibv_srq_attr *attr,
			  int attr_mask);
	int (*modify_wq)(struct ibv_wq *wq, struct ibv_wq_attr *attr);
	struct ibv_qp *(*open_qp)(struct ibv_context *context,
				  struct ibv_qp_open_attr *attr);
	struct ibv_xrcd *(*open_xrcd)(struct ibv_context *context,
				      struct ibv_xrcd_init_attr *attr);
	int (*poll_cq)(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc);
	int (*post_recv)(struct ibv_qp *qp, struct ibv_recv_wr *wr,
			 struct ibv_recv_wr **bad_wr);
	int (*post_send)(struct ibv_qp *qp, struct ibv_send_wr *wr,
			 struct ibv_send_wr **bad_wr);
	int (*post_srq_ops)(struct ibv_srq *srq, struct ibv_ops_wr *op,
			    struct ibv_ops_wr **bad_op);
	int (*post_srq_recv)(struct ibv_srq *srq, struct ibv_recv_wr *wr,
			     struct ibv_recv_wr **bad_wr);
	int (*query_device_ex)(struct ibv_context *context,
			       const struct ibv_query_device_ex_input *input,
			       struct ibv_device_attr_ex *attr,
			       size_t attr_size);
	int (*query_ece)(struct ibv_qp *qp, struct ibv_ece *ece);
	int (*query_port)(struct ibv_context *context, uint8_t port_num,
			  struct ibv_port_attr *port_attr);
	int (*query_qp)(struct ibv_qp *qp, struct ibv_qp_attr *attr,
			int attr_mask, struct ibv_qp_init_attr *init_attr);
	int (*query_qp_data_in_order)(struct ibv_qp *qp,
				      enum ibv_wr_opcode op, uint32_t flags);
	int (*query_rt_values)(struct ibv_context *context,
			       struct ibv_values_ex *values);
	int (*query_srq)(struct ibv_srq *srq, struct ibv_srq_attr *attr);
	int (*read_counters)(struct ibv_counters *counters,
			     uint64_t *counters_value, uint32_t ncounters,
			     uint32_t flags);
	struct ibv_mr *(*reg_dm_mr)(struct ibv_pd *pd, struct ibv_dm *dm,
				    uint64_t dm_offset, size_t length,
				    unsigned int access);
	struct ibv_mr *(*reg_dmabuf_mr)(struct ibv_pd *pd, uint64_t offset,
					size_t length, uint64_t iova, int fd,
					int access);
	struct ibv_mr *(*reg_mr)(struct ibv_pd *pd, void *addr, size_t length,
				 uint64_t hca_va, int access);
	int (*req_notify_cq)(struct ibv_cq *cq, int solicited_only);
	int (*rereg_mr)(struct verbs_mr *vmr, int flags, struct ibv_pd *pd,
			void *addr, size_t length, int access);
	int (*resize_cq)(struct ibv_cq *cq, int cqe);
	int (*set_ece)(struct ibv_qp *qp, struct ibv_ece *ece);
	void (*unimport_dm)(struct ibv_dm *dm);
	void (*unimport_mr)(struct ibv_mr *mr);
	void (*unimport_pd)(struct ibv_pd *pd);
};

/*
 * The write() command layouts the ibv_cmd_* wrappers take: the uverbs
 * header followed by the kernel's request.  Drivers append their own
 * request; kiwi has none, so these are used as they are.  libibverbs
 * derives the driver's part from cmd_size - sizeof(these), so their sizes
 * must be exact.
 */
#define KIWI_DECLARE_CMD(name, kabi)					\
	struct name {							\
		struct ib_uverbs_cmd_hdr hdr;				\
		struct kabi core_payload;				\
	};								\
	static_assert(sizeof(struct name) ==				\
		      sizeof(struct ib_uverbs_cmd_hdr) +		\
		      sizeof(struct kabi), #name " has padding")

KIWI_DECLARE_CMD(ibv_alloc_pd, ib_uverbs_alloc_pd);
KIWI_DECLARE_CMD(ibv_create_cq, ib_uverbs_create_cq);
KIWI_DECLARE_CMD(ibv_create_qp, ib_uverbs_create_qp);
KIWI_DECLARE_CMD(ibv_create_srq, ib_uverbs_create_srq);
KIWI_DECLARE_CMD(ibv_get_context, ib_uverbs_get_context);
KIWI_DECLARE_CMD(ibv_modify_qp, ib_uverbs_modify_qp);
KIWI_DECLARE_CMD(ibv_modify_srq, ib_uverbs_modify_srq);
KIWI_DECLARE_CMD(ibv_query_port, ib_uverbs_query_port);
KIWI_DECLARE_CMD(ibv_query_qp, ib_uverbs_query_qp);
KIWI_DECLARE_CMD(ibv_query_srq, ib_uverbs_query_srq);
KIWI_DECLARE_CMD(ibv_reg_mr, ib_uverbs_reg_mr);

/* Registration: the symbol name carries the private ABI number. */
void verbs_register_driver_34(const struct verbs_device_ops *ops);

/* Contexts. */
void *_verbs_init_and_alloc_context(struct ibv_device *device, int cmd_fd,
				    size_t alloc_size,
				    struct verbs_context *context_offset,
				    uint32_t driver_id);
void verbs_uninit_context(struct verbs_context *context);
void verbs_set_ops(struct verbs_context *vctx,
		   const struct verbs_context_ops *ops);
int ibv_cmd_get_context(struct verbs_context *context,
			struct ibv_get_context *cmd, size_t cmd_size,
			struct ib_uverbs_get_context_resp *resp,
			size_t resp_size);
int ibv_read_ibdev_sysfs_file(char *buf, size_t size,
			      struct verbs_sysfs_dev *sysfs_dev,
			      const char *fnfmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Device and port. */
int ibv_cmd_query_device_any(struct ibv_context *context,
			     const struct ibv_query_device_ex_input *input,
			     struct ibv_device_attr_ex *attr, size_t attr_size,
			     struct ib_uverbs_ex_query_device_resp *resp,
			     size_t *resp_size);
int ibv_cmd_query_port(struct ibv_context *context, uint8_t port_num,
		       struct ibv_port_attr *port_attr,
		       struct ibv_query_port *cmd, size_t cmd_size);

/* PD and MR. */
int ibv_cmd_alloc_pd(struct ibv_context *context, struct ibv_pd *pd,
		     struct ibv_alloc_pd *cmd, size_t cmd_size,
		     struct ib_uverbs_alloc_pd_resp *resp, size_t resp_size);
int ibv_cmd_dealloc_pd(struct ibv_pd *pd);
int ibv_cmd_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
		   uint64_t hca_va, int access, struct verbs_mr *vmr,
		   struct ibv_reg_mr *cmd, size_t cmd_size,
		   struct ib_uverbs_reg_mr_resp *resp, size_t resp_size);
int ibv_cmd_dereg_mr(struct verbs_mr *vmr);

/* CQ. */
int ibv_cmd_create_cq(struct ibv_context *context, int cqe,
		      struct ibv_comp_channel *channel, int comp_vector,
		      struct ibv_cq *cq, struct ibv_create_cq *cmd,
		      size_t cmd_size, struct ib_uverbs_create_cq_resp *resp,
		      size_t resp_size);
int ibv_cmd_destroy_cq(struct ibv_cq *cq);

/* QP. */
int ibv_cmd_create_qp_ex(struct ibv_context *context, struct verbs_qp *qp,
			 struct ibv_qp_init_attr_ex *attr_ex,
			 struct ibv_create_qp *cmd, size_t cmd_size,
			 struct ib_uverbs_create_qp_resp *resp,
			 size_t resp_size);
int ibv_cmd_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		      int attr_mask, struct ibv_modify_qp *cmd,
		      size_t cmd_size);
int ibv_cmd_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *qp_attr,
		     int attr_mask, struct ibv_qp_init_attr *qp_init_attr,
		     struct ibv_query_qp *cmd, size_t cmd_size);
int ibv_cmd_destroy_qp(struct ibv_qp *qp);
int ibv_cmd_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		      struct ibv_send_wr **bad_wr);
int ibv_cmd_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr);

/* SRQ. */
int ibv_cmd_create_srq(struct ibv_pd *pd, struct ibv_srq *srq,
		       struct ibv_srq_init_attr *attr,
		       struct ibv_create_srq *cmd, size_t cmd_size,
		       struct ib_uverbs_create_srq_resp *resp,
		       size_t resp_size);
int ibv_cmd_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *srq_attr,
		       int srq_attr_mask, struct ibv_modify_srq *cmd,
		       size_t cmd_size);
int ibv_cmd_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *srq_attr,
		      struct ibv_query_srq *cmd, size_t cmd_size);
int ibv_cmd_destroy_srq(struct ibv_srq *srq);

/*
 * Layout checks.  The numbers are those of x86_64 (LP64); they were
 * compared with rdma-core 36, 44 and 56's own driver.h by
 * userspace/tools/abi-compare.sh.
 */
#if defined(__x86_64__) || defined(__aarch64__)
static_assert(sizeof(struct verbs_list_node) == 16, "list_node");
static_assert(sizeof(struct verbs_match_ent) == 24, "verbs_match_ent");
static_assert(offsetof(struct verbs_match_ent, kind) == 20,
	      "verbs_match_ent.kind");
static_assert(sizeof(struct verbs_device_ops) == 72, "verbs_device_ops");
static_assert(offsetof(struct verbs_device_ops, match_device) == 32,
	      "verbs_device_ops.match_device");
static_assert(offsetof(struct verbs_device_ops, uninit_device) == 64,
	      "verbs_device_ops.uninit_device");
static_assert(offsetof(struct verbs_sysfs_dev, sysfs_name) == 36,
	      "verbs_sysfs_dev.sysfs_name");
static_assert(offsetof(struct verbs_sysfs_dev, ibdev_path) == 176,
	      "verbs_sysfs_dev.ibdev_path");
static_assert(offsetof(struct verbs_sysfs_dev, driver_id) == 952,
	      "verbs_sysfs_dev.driver_id");
static_assert(offsetof(struct verbs_sysfs_dev, abi_ver) == 968,
	      "verbs_sysfs_dev.abi_ver");
static_assert(sizeof(struct verbs_sysfs_dev) == 992, "verbs_sysfs_dev");
static_assert(offsetof(struct verbs_device, ops) ==
	      sizeof(struct ibv_device), "verbs_device.ops");
static_assert(offsetof(struct verbs_device, core_support) ==
	      sizeof(struct ibv_device) + 40, "verbs_device.core_support");
#endif
static_assert(sizeof(struct verbs_context_ops) ==
	      KIWI_VERBS_CONTEXT_OPS * sizeof(void (*)(void)),
	      "verbs_context_ops entry count");
static_assert(offsetof(struct verbs_context_ops, alloc_pd) ==
	      5 * sizeof(void *), "verbs_context_ops.alloc_pd");
static_assert(offsetof(struct verbs_context_ops, free_context) ==
	      39 * sizeof(void *), "verbs_context_ops.free_context");
static_assert(offsetof(struct verbs_context_ops, poll_cq) ==
	      53 * sizeof(void *), "verbs_context_ops.poll_cq");
static_assert(offsetof(struct verbs_context_ops, query_device_ex) ==
	      58 * sizeof(void *), "verbs_context_ops.query_device_ex");
static_assert(offsetof(struct verbs_context_ops, unimport_pd) ==
	      75 * sizeof(void *), "verbs_context_ops.unimport_pd");
/* The ibv_cq prefix of ibv_cq_ex is what libibverbs touches. */
static_assert(offsetof(struct ibv_cq_ex, comp_events_completed) ==
	      offsetof(struct ibv_cq, comp_events_completed), "ibv_cq_ex");
static_assert(offsetof(struct ibv_qp_ex, qp_base) == 0, "ibv_qp_ex");
static_assert(offsetof(struct verbs_qp, comp_mask) ==
	      sizeof(struct ibv_qp_ex), "verbs_qp.comp_mask");
/* The kernel's responses are 8-byte multiples; driver data follows. */
static_assert(sizeof(struct ib_uverbs_get_context_resp) == 8, "ctx resp");
static_assert(sizeof(struct ib_uverbs_create_cq_resp) == 8, "cq resp");
static_assert(sizeof(struct ib_uverbs_create_qp_resp) == 32, "qp resp");
static_assert(sizeof(struct ib_uverbs_create_srq_resp) == 16, "srq resp");

#ifdef __cplusplus
}
#endif

#endif /* KIWI_VERBS_PROVIDER_H */
