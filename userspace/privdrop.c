// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privdrop.c - --user NAME with libcap-ng (privdrop.h). */
#include <cap-ng.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "privdrop.h"

int it_user_resolve(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		snprintf(err, errlen, "invalid --user '%s': %s", name,
			 errno ? strerror(errno) : "no such user");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int it_drop_privileges(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	int rc;

	capng_clear(CAPNG_SELECT_BOTH);
	/* CAPNG_DROP_SUPP_GRP: setgroups(0) then setresgid/setresuid; the bounding set is
	 * left alone (changing it needs CAP_SETPCAP, which the systemd unit does not
	 * grant): with no permitted capabilities and no_new_privs it grants nothing. */
	rc = capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP);
	if (rc) {
		snprintf(err, errlen, "--user: cannot switch to uid %u gid %u (capng_change_id: %d; "
			 "needs CAP_SETUID and CAP_SETGID)", (unsigned)uid, (unsigned)gid, rc);
		return -1;
	}
	capng_get_caps_process();	/* what the kernel now says, not our cleared copy */
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		snprintf(err, errlen, "--user: capabilities are still set after the switch");
		return -1;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, errlen, "--user: cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) {
		snprintf(err, errlen, "--user: the switch to uid %u did not take", (unsigned)uid);
		return -1;
	}
	return 0;
}
