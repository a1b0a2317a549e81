/* Seed 000's case: "retrain monthly, or when these inputs were updated".
 *
 * The transformer of the workspace that names this hook runs
 *   - on the first schedule tick of each month (the first of the month), or
 *   - when a batch of the watched datastore is committed with changes,
 *   - or when someone asks for a run, or the model changed;
 * otherwise it waits: a tick on another day defers to the first of next
 * month, and a batch of another store, or one that changed nothing, is
 * skipped. Build it with build.sh; `datasurface hook test` tries it.
 */
#include "datasurface_hook.h"

/* The input datastore whose new batches matter. */
#define WATCHED "NW_Data"

static int digits(const char *p, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (p[i] - '0');
    return v;
}

static void two(char *p, int v) {
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

void decide(const struct ds_input *in, struct ds_answer *out) {
    struct ds_str kind = ds_string(in, "kind");
    /* The event's time: YYYY-MM-DDThh:mm:ss... */
    struct ds_str time = ds_string(in, "time");

    if (ds_eq(kind, "manualRun") || ds_eq(kind, "modelChanged")) {
        out->action = "run";
        ds_copy(out->reason, sizeof out->reason,
                ds_eq(kind, "manualRun") ? "asked for by hand" : "the model changed");
        return;
    }
    if (ds_eq(kind, "batchCommitted")) {
        struct ds_str store = ds_string(in, "datastore");
        long long changed = ds_number(in, "inserted", 0) + ds_number(in, "updated", 0) +
                            ds_number(in, "deleted", 0);
        if (!ds_eq(store, WATCHED)) {
            out->action = "skip";
            ds_copy(out->reason, sizeof out->reason, "a batch of a datastore this hook does not watch");
        } else if (changed == 0) {
            out->action = "skip";
            ds_copy(out->reason, sizeof out->reason, "a new batch of " WATCHED " that changed nothing");
        } else {
            out->action = "run";
            ds_copy(out->reason, sizeof out->reason, "a new batch of " WATCHED " with changes");
        }
        return;
    }
    if (ds_eq(kind, "scheduleTick") && time.len >= 10) {
        int year = digits(time.at, 4), month = digits(time.at + 5, 2), day = digits(time.at + 8, 2);
        if (day == 1) {
            out->action = "run";
            ds_copy(out->reason, sizeof out->reason, "the first of the month");
            return;
        }
        if (++month > 12) { month = 1; year++; }
        char *u = out->until;
        u[0] = (char)('0' + year / 1000); u[1] = (char)('0' + year / 100 % 10);
        u[2] = (char)('0' + year / 10 % 10); u[3] = (char)('0' + year % 10);
        u[4] = '-'; two(u + 5, month); u[7] = '-'; two(u + 8, 1);
        ds_copy(u + 10, 22, "T00:00:00Z");
        out->action = "defer";
        ds_copy(out->reason, sizeof out->reason, "waiting for the first of the month");
        return;
    }
    out->action = "skip";
    ds_copy(out->reason, sizeof out->reason, "an event this hook does not act on");
}
