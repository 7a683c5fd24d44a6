/**
 * The commit pipeline: how every change reaches a table, written down once.
 *
 * <h2>Versions and the commit point</h2>
 *
 * Version N of a table is the file {@code metadata/vN.metadata.json}; the highest N present is the
 * current version. {@code metadata/version-hint.text} holds a recent N: a reader starts there (or,
 * if it is missing or damaged, lists the directory) and probes N+1, N+2, ... until one is absent. A
 * commit built on version N publishes {@code v(N+1).metadata.json} with {@link
 * io.datashard.storage.Storage.PendingFile#publish()}, which makes the file visible only if no file
 * of that name exists (a hard link on a local filesystem, a conditional put on an object store):
 * exactly one writer wins each version. <b>That exclusive publish is the commit point and the only
 * thing correctness rests on.</b> ({@link TableOperations})
 *
 * <p>Old version files are removed after commits (those that fell out of the metadata log), so a
 * slot can be free twice: once before its version is published and again after that version is
 * removed. A writer on version N that is more than {@code write.metadata.previous-versions-max}
 * commits behind could otherwise publish "N+1" successfully into the freed slot, off the line of
 * versions, and lose its change. Three rules close that:
 *
 * <ul>
 *   <li>The versions present are one unbroken run: versions are removed lowest first, each only
 *       once the one below it is absent ({@link TableOperations#removeVersions}; the commit's
 *       cleanup and {@code gc} both go through it). So "N+1 absent, then N present" means N is the
 *       newest, which is what a reader's quick look checks; "N+1 absent" alone does not.
 *   <li>Just before the publish, the writer checks that its base N is still present; if not, it
 *       conflicts and retries on the newest version.
 *   <li>Just after the publish, it checks again. If N is gone, either N and N+1 were removed in
 *       between (a stale publish: the version after it was built on another file, or a gap lies
 *       above it; it is withdrawn and reported as a conflict) or N went after the publish (the
 *       version after it names the new file in its metadata log, or nothing is above it: the commit
 *       stands). If neither can be told, the commit state is unknown and nothing is removed. Only
 *       after this check are the hint written and old files removed.
 * </ul>
 *
 * What is left is narrower than one commit: a stale publish is visible from the publish to its
 * withdrawal, and a reader reaches it only through a version hint that points at exactly that slot
 * (a hint written late by a writer stalled for many commits). Removals are not forced one by one,
 * so after a power loss the removed versions may not form a run; readers then start with a full
 * look, which does not rely on it.
 *
 * <h2>One commit, step by step ({@link Committer})</h2>
 *
 * <ol>
 *   <li>A change ({@link PendingCommit}: an append, a group of appends, a transaction, a delete,
 *       overwrite or upsert, a compaction, a manifest rewrite, an expiry, a rollback, a ref, schema
 *       or partition change) may write <em>prepared</em> files first, outside the lock: data files
 *       and the manifest listing them. Each is written under a private name, forced to disk when
 *       the storage is durable, then published under its final name; every new name is recorded
 *       ({@link CommitFiles}) before the file is created, so a failure can remove exactly what the
 *       change wrote.
 *   <li>The committer takes the table's advisory lock ({@link CommitLock}, at most {@link
 *       Committer#LOCK_WAIT_MS} of waiting) and reads the newest version: the <em>base</em>.
 *   <li>The change builds the next version on the base ({@link PendingCommit#apply}); it may write
 *       <em>attempt</em> files (merged manifests, the manifest list). It re-validates on every
 *       base: blind appends rebase, read-modify-write changes check that what they read is
 *       unchanged (and plan again if not), and a change that cannot move onto the base fails with a
 *       conflict.
 *   <li>The directories of every new file are synced, after those files. Where the storage allows
 *       ({@link io.datashard.storage.Storage.Capability#BACKGROUND_PUBLISH}), steps 1 to 4 force
 *       and link files on other threads while the next file is written; the committer waits for all
 *       of them (and their directory syncs) before step 5.
 *   <li>The new metadata file is written, forced, and published as {@code v(N+1).metadata.json};
 *       then the metadata directory is synced. Nothing that can fail the commit happens after the
 *       publish: the version hint is rewritten (best effort; while another commit follows at once,
 *       only at every {@link TableOperations#HINT_LAG_MAX}th version), metadata files that fell out
 *       of the metadata log are deleted (best effort), and the change's follow-up runs (outcomes of
 *       a group, automatic cleanup), none of which can undo the commit.
 *   <li>If another writer published {@code v(N+1)} first, the attempt's files are removed, the lock
 *       is released, and after a random backoff (growing, at most 100 ms) the commit starts again
 *       at step 2 on the newer version, until {@link io.datashard.TableOptions#commitRetries} or
 *       {@link io.datashard.TableOptions#commitTimeout} runs out ({@link
 *       io.datashard.CommitConflictException}).
 * </ol>
 *
 * On disk the order a crash needs is therefore: every data file and manifest forced, then linked,
 * then its directory forced; then the metadata file forced, published, and its directory forced. A
 * crash at any point leaves the old version or the new one, never a version that names a file that
 * is not on disk.
 *
 * <h2>Failures</h2>
 *
 * Errors split three ways:
 *
 * <ul>
 *   <li><b>Retryable conflict</b> ({@link io.datashard.CommitConflictException}): another writer
 *       won, retries ran out, or the change cannot move onto the newest version. Nothing was
 *       committed and every file the change wrote was removed.
 *   <li><b>Validation failure</b> ({@link io.datashard.ValidationException}): the input is wrong.
 *       Nothing was committed.
 *   <li><b>Commit state unknown</b> ({@link io.datashard.CommitStateUnknownException}): the publish
 *       may or may not have happened, because the storage could not tell ({@link
 *       io.datashard.storage.Storage.UncertainPublishException}), or the new version is visible but
 *       the sync of its directory failed (it may not survive a power loss). Nothing is removed: the
 *       commit may have landed. The caller re-reads the table to find out (an idempotency key makes
 *       a retried transaction safe).
 * </ul>
 *
 * Any other failure (an I/O error writing a file) removes what the change wrote and commits
 * nothing.
 *
 * <h2>The lock is advisory</h2>
 *
 * The lock makes committers take turns instead of racing, which matters for read-modify-write
 * transactions (one whose read went stale must run again). Correctness never depends on it: it is
 * per process, dropped by any close of its file, unreliable on network filesystems, and a commit
 * that cannot have it within the wait goes ahead unlocked; the exclusive publish still decides.
 *
 * <h2>Group commit ({@link GroupCommit})</h2>
 *
 * Appends of the processes of one machine share commits through a queue in the hidden directory
 * {@code metadata/.datashard-queue/}. A request moves through three states:
 *
 * <ol>
 *   <li><b>requested</b>: {@code ID.OFFSET.req}. Each process appends its requests to a log of its
 *       own, {@code TOKEN-G.log} (TOKEN names the process: pid, start time, boot id; G counts its
 *       logs, a new one after 256 KiB), and links the log to this name, OFFSET (hexadecimal) being
 *       where the request starts in it: a request costs no new file, which on a filesystem that
 *       searches past recently freed inodes for each new one (ext4 without a journal) is most of
 *       what a small append cost. Nothing is forced: a request is not acknowledged until it is
 *       committed. A log's bytes are never changed; a log not written to for ten minutes is
 *       removed, its queued requests keeping their bytes through their links. The appender then
 *       waits for the lock.
 *   <li><b>claimed</b>: whoever holds the lock and finds its own request pending leads. If the last
 *       group it led had three or more members, it first waits briefly for about as many to be
 *       pending ({@link GroupCommit}). It claims every pending request whose process is alive, by
 *       linking it to {@code ID.OFFSET.TOKEN.claimed} (TOKEN names the leader) and then removing
 *       the {@code .req} name; an appender withdraws its request by removing that name, so of a
 *       claim and a withdrawal exactly one wins ({@link
 *       io.datashard.storage.Storage.Capability#EXCLUSIVE_DELETE}). The leader commits all claimed
 *       rows as one snapshot, through the committer, with the request ids in the summary key {@code
 *       datashard.group-requests}.
 *   <li><b>done</b>: after the publish, the leader appends one outcome record, listing the ids of
 *       the requests it carried, to an outcome log of its own, {@code outcomes-TOKEN-G.log} (a new
 *       one after 32 KiB), and links that log as {@code ID.done} for each of them (never replacing
 *       one: the first outcome of a request stays), then removes the claims. Like a request, an
 *       outcome costs no new file. An appender that finds its outcome is done without touching the
 *       table.
 * </ol>
 *
 * What a crash leaves, by the step it hit:
 *
 * <ul>
 *   <li>before the publish: nothing was committed. Requests of dead processes are dropped by the
 *       next leader, never committed later (nobody is waiting for them); claims of a dead leader
 *       are taken over and carried again.
 *   <li>after the publish, before the outcomes: the ids are in a retained snapshot's summary, so
 *       the next leader reports that snapshot instead of committing them again.
 *   <li>a commit that fails (or whose state is unknown): the leader reports it for its own request,
 *       which nobody carries any more, and returns the others to the queue, to be settled from the
 *       table's summaries or carried by the next leader. No request is applied twice.
 * </ul>
 *
 * Group commit needs {@link io.datashard.storage.Storage.Capability#LOCKS}, {@link
 * io.datashard.storage.Storage.Capability#EXCLUSIVE_DELETE} and {@link
 * io.datashard.storage.Storage.Capability#APPEND}; without them, or when the lock fails at run
 * time, appends commit one by one.
 *
 * <h2>Queue file layout</h2>
 *
 * Every request and every outcome (each at its offset in a log) is one envelope, big-endian ({@link
 * AppendQueue}):
 *
 * <pre>
 * offset  size  field
 *   0       4   magic 0x44534751 ("DSGQ")
 *   4       1   kind: 1 = request, 2 = outcome
 *   5       1   format version: 3
 *   6       4   n, the length of the body
 *  10       n   body
 *  10+n     4   CRC32 of bytes 0 .. 10+n-1
 * </pre>
 *
 * A request's body: its id (modified UTF-8 string, 2-byte length first), pid (8 bytes), process
 * start time in ms (8), boot id (string), schema id (4), the summary entries (count (4), then key
 * and value strings), the row count (4), then the rows in {@link RowCodec}'s form for that schema.
 * An outcome's body: the count of requests it answers (4) and their ids (strings), then its kind
 * (1: 1 = committed, 2 = the schema changed, 3 = failed); if committed, the snapshot: id (8),
 * has-parent (1) and parent id (8), sequence number (8), timestamp (8), manifest list (string),
 * has-schema-id (1) and schema id (4), summary entries as above; otherwise a message (string). An
 * appender reads the log its {@code ID.done} names from the start to the first record that lists
 * its id. A record too short, of another magic, kind or version, whose length field disagrees with
 * its size, or whose CRC32 does not match, or a request whose recorded id is not the one its name
 * says, is rejected with an error naming it, never half read: a leader answers an unreadable
 * request of another process with a "failed" outcome, and an appender that cannot read its outcome
 * reports an unknown commit state.
 */
package io.datashard.internal.commit;
