/* lab.h: throwaway local hosts in namespaces, for training and tests. */
#ifndef GD_LAB_H
#define GD_LAB_H

#include <stddef.h>
#include <stdio.h>

#define GD_LAB_MAX_HOSTS 1000

/* How a lab is made. */
struct gd_lab_opts {
	int nhosts;         /* 1 to GD_LAB_MAX_HOSTS */
	int services;       /* every host also runs a supervised HTTP service on :8080 */
	int srv_mb;         /* each host's /srv tmpfs in MiB (0: 64) */
	int bastion;        /* one more host, "bastion": the others' sshd answers it only */
};

/* Builds a lab under dir and writes dir/inventory.yaml, dir/known_hosts and
 * dir/id_ed25519 (with a bastion, also dir/ssh_config, which the inventory
 * names: the hosts are reached through the bastion it names). Needs root.
 * On failure, removes what it made and returns -1 with err filled. */
int gd_lab_up(const char *dir, const struct gd_lab_opts *o, char *err, size_t errlen);

/* Removes everything a lab under dir made, stopping its processes by pid.
 * Idempotent; also cleans up after an up that crashed halfway. */
int gd_lab_down(const char *dir, char *err, size_t errlen);

/* Prints one line per host: name, address, sshd pid, up or down.
 * Returns 0 when all hosts are up, 1 when some are down, -1 on error
 * (no lab in dir, or unreadable state). out may be NULL. */
int gd_lab_status(const char *dir, FILE *out, char *err, size_t errlen);

/* Checks that dir is usable as a lab dir: letters, digits and . _ / -
 * only (its paths go into sshd_config, YAML and cmdlines), not too long. */
int gd_lab_check_dir(const char *dir, char *err, size_t errlen);

/* Whether dir holds a lab's state (lab.json or lab.index), running or not. */
int gd_lab_present(const char *dir);

/* Whether the last gd_lab_up failed because of SIGINT, SIGTERM or SIGHUP
 * (it removed what it had made before returning). */
int gd_lab_interrupted(void);

#endif
