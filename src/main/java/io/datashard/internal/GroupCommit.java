package io.datashard.internal;

import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.DataShardException;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.Types;
import io.datashard.internal.meta.TableMetadata;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of blind appends across threads and OS processes: concurrent appends share one
 * snapshot, and each caller still learns its own outcome.
 *
 * <p>Protocol, in the hidden directory {@code metadata/.datashard-queue/}:
 *
 * <ol>
 *   <li>An appender converts its records and writes them as a request file {@code <id>.req}
 *       (written whole under a temporary name, then hard-linked to its final name, so it is never
 *       seen half written; not fsynced: a request is not acknowledged until it is committed), then
 *       queues on the table's OS-level {@link CommitLock}.
 *   <li>Whoever holds the lock and finds its own request still pending leads: it claims every
 *       pending request whose process is alive (hard link to {@code <id>.claimed}, then removal of
 *       the {@code .req} name: the caller withdraws a request by removing that name, so exactly one
 *       of the two wins), writes their rows as one data file and one manifest, and commits one
 *       snapshot whose summary key {@value #SUMMARY_KEY} lists the request ids, through the normal
 *       exclusive publish of the next metadata version.
 *   <li>After the publish, the leader writes an outcome file {@code <id>.done} for every request it
 *       carried and removes the claims. A waiter that gets the lock and finds its outcome file is
 *       done without touching the table.
 * </ol>
 *
 * Only a lock holder leads, so claims found by a leader belong to a leader that died. If it died
 * after publishing, the ids are in a retained snapshot's summary and that snapshot is reported
 * instead of committing them again; otherwise they are carried again. If a group commit fails or
 * its publish has an unknown outcome, the leader reports that for its own request, which nobody
 * carries any more, and returns the others to the queue, to be settled the same way. Requests of
 * processes that died are dropped, never committed later. Without a usable OS lock (or after a long
 * wait for it) a caller withdraws its request and commits the ordinary way.
 */
final class GroupCommit {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

  /** Snapshot summary key: ids of the append requests a group commit carried, comma-separated. */
  static final String SUMMARY_KEY = "datashard.group-requests";

  private static final int MAGIC = 0x44534731; // "DSG1"
  private static final byte OK = 1;
  private static final byte CONFLICT = 2;
  private static final byte FAILED = 3;

  /** Requests beyond this many encoded bytes wait for the next group. */
  private static final long MAX_GROUP_BYTES = 64L * 1024 * 1024;

  /** Outcome and temporary files left by processes that died are removed after this long. */
  private static final long STALE_MILLIS = 10 * 60 * 1000;

  private static final int MAX_SUMMARY_VALUES = 16;

  /** A waiter whose request was claimed tries the lock every this many rounds (leader died?). */
  private static final int CLAIMED_LOCK_EVERY = 16;

  private static final String REQ = ".req";
  private static final String CLAIMED = ".claimed";

  private final TableCore core;
  private final String metadataDir;
  private final Path queue;

  GroupCommit(TableCore core, String metadataDir) {
    this.core = core;
    this.metadataDir = metadataDir;
    this.queue = Path.of(metadataDir, FileNames.QUEUE_DIR);
  }

  static boolean enabled(TableMetadata meta) {
    return Boolean.parseBoolean(
        meta.property(
            TableProperties.GROUP_COMMIT_ENABLED,
            Boolean.toString(TableProperties.GROUP_COMMIT_ENABLED_DEFAULT)));
  }

  /** What happened to one request. */
  private static final class Outcome {
    final byte kind;
    final Snapshot snapshot;
    final String message;

    Outcome(byte kind, Snapshot snapshot, String message) {
      this.kind = kind;
      this.snapshot = snapshot;
      this.message = message;
    }
  }

  private static final class Request {
    final String id;
    Path file;
    final long pid;
    final long start;
    final String machine;
    final int schemaId;
    final Map<String, String> summary;
    final List<Row> rows;
    final long bytes;

    Request(
        String id,
        Path file,
        long pid,
        long start,
        String machine,
        int schemaId,
        Map<String, String> summary,
        List<Row> rows,
        long bytes) {
      this.id = id;
      this.file = file;
      this.pid = pid;
      this.start = start;
      this.machine = machine;
      this.schemaId = schemaId;
      this.summary = summary;
      this.rows = rows;
      this.bytes = bytes;
    }

    /** True while the process that queued this request may still be waiting for it. */
    boolean alive() {
      if (!machine.equals(MACHINE) || MACHINE.equals("unknown")) {
        return true; // queued on another machine: cannot tell
      }
      if (pid == PID && start == START) {
        return LIVE.contains(id);
      }
      return processAlive(pid, start);
    }
  }

  /** Ids of this JVM's requests whose callers are still waiting for their outcome. */
  private static final Set<String> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static final long PID = ProcessHandle.current().pid();
  private static final long START =
      ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);

  /** This machine and boot: process ids are only compared between requests of the same one. */
  private static final String MACHINE = machine();

  /** Names this process in its claims: pid, start time, machine. */
  private static final String TOKEN =
      Long.toHexString(PID) + "-" + Long.toHexString(START) + "-" + MACHINE;

  private static String machine() {
    try {
      String id =
          Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim().replace("-", "");
      if (id.matches("[0-9a-f]{8,}")) {
        return id.substring(0, 12);
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    return "unknown";
  }

  /** True while the process named by (pid, start) on this machine may still be running. */
  private static boolean processAlive(long pid, long start) {
    java.util.Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isEmpty() || !p.get().isAlive()) {
      STARTS.remove(pid);
      return false;
    }
    // Reading a process's start time costs several /proc reads; a leader asks about the same few
    // processes at every commit, so it is read once per process.
    Long started = STARTS.get(pid);
    if (started == null) {
      started = p.get().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
      if (STARTS.size() > 10_000) {
        STARTS.clear();
      }
      STARTS.put(pid, started);
    }
    return start == 0 || started == 0 || started == start; // else: the pid was reused
  }

  /** Start times of the processes seen queueing requests, by pid (dropped when one is gone). */
  private static final java.util.concurrent.ConcurrentHashMap<Long, Long> STARTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** True if the leader named in a claim file may still be working on it. */
  private static boolean claimerAlive(Path claim) {
    String name = claim.getFileName().toString();
    String[] parts = name.split("\\.");
    if (parts.length != 3) {
      return false; // not written by this protocol version: treat as abandoned
    }
    String token = parts[1];
    if (token.equals(TOKEN)) {
      return false; // this process leads one group at a time: a claim of its own is left over
    }
    String[] t = token.split("-");
    if (t.length != 3 || !t[2].equals(MACHINE) || MACHINE.equals("unknown")) {
      return true; // another machine (or unknown): cannot tell, so never take it over
    }
    try {
      return processAlive(Long.parseLong(t[0], 16), Long.parseLong(t[1], 16));
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /**
   * Appends converted rows through a group commit.
   *
   * @return the snapshot that holds the rows, or null if the caller must commit them the ordinary
   *     way: the table's schema changed since {@code schema} was read, or this filesystem gives no
   *     usable lock (nothing was committed in either case)
   */
  Snapshot append(Schema schema, List<Row> rows, Map<String, String> summary) {
    if (CommitLock.heldByCurrentThread(metadataDir)) {
      return null; // inside a transaction holding the lock: commit directly
    }
    String id = newId();
    LIVE.add(
        id); // before the request is visible: a leader in this process drops requests not in LIVE
    try {
      submit(id, schema, rows, summary);
    } catch (IOException e) {
      LIVE.remove(id);
      throw new UncheckedIOException(
          "Could not queue an append for "
              + core.location()
              + " in "
              + queue
              + ": "
              + e
              + ". Nothing was committed; check free disk space and permissions.",
          e);
    }
    boolean settled = false;
    try {
      long deadline = System.nanoTime() + core.options().commitTimeout().toNanos();
      for (int round = 0; ; round++) {
        // A waiter whose request is still unclaimed tries for the lock (to lead). One whose request
        // a leader claimed looks for its outcome file, which that leader writes before it lets the
        // lock go; it tries the lock only now and then, to settle the claim if that leader died.
        // (Waiting for the lock's release instead made carried callers queue behind the next
        // leaders, which win the lock before the woken waiters run: each append then waited
        // several commits, and groups stayed small.)
        Outcome o = outcome(id);
        boolean unclaimed = o == null && Files.exists(queue.resolve(id + REQ));
        if (o == null && !unclaimed && round % CLAIMED_LOCK_EVERY != CLAIMED_LOCK_EVERY - 1) {
          o = outcome(id); // written between the two looks
        } else if (o == null) {
          try (CommitLock lock = CommitLock.tryAcquire(metadataDir)) {
            if (lock != null) {
              o = outcome(id);
              if (o == null) {
                if (!lock.held()) {
                  // This filesystem gives no OS lock, so nobody leads: commit the ordinary way.
                  if (withdraw(id)) {
                    settled = true;
                    return null;
                  }
                  continue;
                }
                o = lead(id);
              }
            }
          }
        }
        if (o != null) {
          settled = true;
          return resolve(id, o);
        }
        if (System.nanoTime() > deadline && withdraw(id)) {
          settled = true;
          throw new CommitConflictException(
              "Gave up waiting to commit an append to "
                  + core.location()
                  + " after "
                  + core.options().commitTimeout()
                  + ": another process held its commit lock all that "
                  + "time. Nothing was committed; retry later or raise TableOptions.commitTimeout.");
        }
        pause(round);
      }
    } finally {
      LIVE.remove(id);
      if (!settled) {
        // The caller gets the exception: nobody must carry this request any more.
        withdraw(id);
      }
    }
  }

  /** Short waits at first (a group commit takes milliseconds), longer ones later. */
  private static void pause(int round) {
    try {
      if (round < 200) {
        Thread.sleep(0, 500_000);
      } else {
        Thread.sleep(round < 2000 ? 1 : 5);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommitStateUnknownException(
          "Interrupted while waiting for a group commit; the append may or "
              + "may not be committed. Check the table before appending again.",
          e);
    }
  }

  /** Takes a pending request back; false if a leader claimed it first. */
  private boolean withdraw(String id) {
    try {
      return Files.deleteIfExists(queue.resolve(id + REQ));
    } catch (IOException e) {
      return false;
    }
  }

  private Snapshot resolve(String id, Outcome o) {
    if (o.kind == OK) {
      return o.snapshot;
    }
    if (o.kind == CONFLICT) {
      return null;
    }
    throw new DataShardException(
        "The group commit that carried this append to "
            + core.location()
            + " failed: "
            + o.message
            + " Nothing was committed (request "
            + id
            + ").");
  }

  // ------------------------------------------------------------------ leading

  /**
   * Commits every pending request; the caller holds the OS lock. Returns the outcome of {@code
   * ownId}, or null to look again.
   */
  private Outcome lead(String ownId) {
    for (int attempt = 0; ; attempt++) {
      if (attempt > 0) {
        core.countConflictRetry();
      }
      TableMetadata latest = core.operations().refresh();
      indexCarried(latest);
      Outcome own = null;
      boolean ownSeen = false;
      List<Request> group = new ArrayList<>();
      long groupBytes = 0;
      for (Path file : pendingFiles(ownId)) {
        String id = idOf(file);
        boolean isOwn = id.equals(ownId);
        boolean isClaimed = file.getFileName().toString().endsWith(CLAIMED);
        boolean ownClaim =
            isClaimed && file.getFileName().toString().equals(id + "." + TOKEN + CLAIMED);
        if (isClaimed && claimerAlive(file)) {
          continue; // another leader is carrying it (only possible where OS locks are unreliable)
        }
        Snapshot already = carriedBy(latest, id);
        if (already != null) {
          // carried by a leader that died after publishing: settle, never apply twice
          ownSeen |= isOwn;
          if (isOwn) {
            own = new Outcome(OK, already, null);
          } else {
            writeOutcome(id, new Outcome(OK, already, null));
          }
          deleteQuietly(file);
          continue;
        }
        Request r;
        try {
          r = read(file, id, latest);
        } catch (NoSuchFileException e) {
          continue; // withdrawn by its caller
        } catch (IOException | RuntimeException e) {
          if (!isOwn) {
            writeOutcome(
                id,
                new Outcome(
                    FAILED, null, "its request file " + file + " is unreadable (" + e + ")."));
            deleteQuietly(file);
            continue;
          }
          throw new DataShardException(
              "The append request "
                  + file
                  + " of this process is unreadable: "
                  + e
                  + ". Nothing was committed.",
              e);
        }
        if (!isOwn && !r.alive()) {
          deleteQuietly(
              file); // its process is gone: nobody is waiting, and nothing was acknowledged
          continue;
        }
        if (r.schemaId != latest.schema().schemaId()) {
          ownSeen |= isOwn;
          if (isOwn) {
            own = new Outcome(CONFLICT, null, null);
          } else {
            writeOutcome(id, new Outcome(CONFLICT, null, null));
          }
          deleteQuietly(file);
          continue;
        }
        if (!isOwn && groupBytes + r.bytes > MAX_GROUP_BYTES) {
          if (ownClaim) {
            unclaim(r);
          }
          continue; // the next group takes it
        }
        if (!ownClaim && !claim(r)) {
          continue; // withdrawn by its caller, or taken over by another leader, meanwhile
        }
        ownSeen |= isOwn;
        group.add(r);
        groupBytes += r.bytes;
      }
      if (!ownSeen) {
        Outcome o = outcome(ownId);
        if (o != null) {
          return o;
        }
        Snapshot carried = carriedBy(latest, ownId);
        if (carried != null) {
          return new Outcome(OK, carried, null); // its outcome file could not be written
        }
        throw new CommitStateUnknownException(
            "The append request "
                + ownId
                + " to "
                + core.location()
                + " left "
                + queue
                + " without an outcome. Check whether its rows are in the table before "
                + "appending them again.",
            null);
      }
      if (group.isEmpty()) {
        return own;
      }
      Snapshot snapshot;
      try {
        snapshot = commitGroup(latest, group, attempt);
      } catch (RuntimeException e) {
        // Others go back to the queue: each is settled from the table's summaries or carried again
        // by the next leader, so none is applied twice. This caller learns the error (or that the
        // outcome is unknown) for its own request, which nobody will carry any more.
        for (Request r : group) {
          if (r.id.equals(ownId)) {
            deleteQuietly(r.file);
          } else {
            unclaim(r);
          }
        }
        throw e;
      }
      if (snapshot == null) {
        continue; // another writer published first: start over, keeping the claims
      }
      List<String> carried = new ArrayList<>();
      for (Request r : group) {
        if (r.id.equals(ownId)) {
          own = new Outcome(OK, snapshot, null);
        } else {
          carried.add(r.id);
        }
      }
      writeOutcomes(carried, new Outcome(OK, snapshot, null));
      for (Request r : group) {
        deleteQuietly(r.file);
      }
      return own;
    }
  }

  /**
   * Claims a request (pending, or claimed by a leader that died) for this leader: it links the file
   * under a claim name of its own, then removes the old name; whoever removes it first wins.
   */
  private boolean claim(Request r) {
    Path claimed = queue.resolve(r.id + "." + TOKEN + CLAIMED);
    try {
      Files.createLink(claimed, r.file);
    } catch (IOException e) {
      return false;
    }
    try {
      Files.delete(r.file);
      r.file = claimed;
      return true;
    } catch (IOException e) {
      deleteQuietly(claimed); // its caller withdrew it first
      return false;
    }
  }

  /** Returns a claimed request to the queue. */
  private void unclaim(Request r) {
    Path pending = queue.resolve(r.id + REQ);
    try {
      Files.createLink(pending, r.file);
      Files.delete(r.file);
      r.file = pending;
    } catch (IOException e) {
      LOG.warn("Could not return append request {} to {}: {}", r.id, queue, e.toString());
    }
  }

  private Snapshot commitGroup(TableMetadata base, List<Request> group, int attempt) {
    Schema schema = base.schema();
    List<Row> rows = new ArrayList<>();
    Map<String, Set<String>> values = new LinkedHashMap<>();
    StringBuilder ids = new StringBuilder();
    for (Request r : group) {
      rows.addAll(r.rows);
      for (Map.Entry<String, String> e : r.summary.entrySet()) {
        values.computeIfAbsent(e.getKey(), k -> new LinkedHashSet<>()).add(e.getValue());
      }
      if (ids.length() > 0) {
        ids.append(',');
      }
      ids.append(r.id);
    }
    Map<String, String> summary = new LinkedHashMap<>();
    for (Map.Entry<String, Set<String>> e : values.entrySet()) {
      summary.put(e.getKey(), joinBounded(e.getValue()));
    }
    summary.put(SUMMARY_KEY, ids.toString());
    TableCore.Staged staged = core.stageRows(base, schema, false, rows, false);
    try {
      Snapshot s = core.attemptCommitStaged(base, staged, summary, attempt);
      if (s == null) {
        core.discard(staged);
      }
      return s;
    } catch (CommitStateUnknownException e) {
      throw e;
    } catch (RuntimeException e) {
      core.discard(staged);
      throw e;
    }
  }

  private static String joinBounded(Set<String> values) {
    StringBuilder sb = new StringBuilder();
    int n = 0;
    for (String v : values) {
      if (n == MAX_SUMMARY_VALUES) {
        sb.append(",+").append(values.size() - n).append(" more");
        break;
      }
      if (n++ > 0) {
        sb.append(',');
      }
      sb.append(v);
    }
    return sb.toString();
  }

  /**
   * Request id to the snapshot whose summary lists it, for the snapshots in {@link #indexed}. Only
   * the holder of the table's lock leads, so leaders of this table take turns on it.
   */
  private final Map<String, Long> carriedIds = new HashMap<>();

  /**
   * Snapshots whose request ids are in {@link #carriedIds}: each is read once (snapshots never
   * change).
   */
  private final Set<Long> indexed = new java.util.HashSet<>();

  /**
   * Adds the request ids of {@code meta}'s snapshots not indexed yet; once per lead, before any
   * lookup.
   */
  private void indexCarried(TableMetadata meta) {
    if (carriedIds.size() > 50_000) {
      indexed.clear(); // mostly snapshots long expired: start over with the retained ones
      carriedIds.clear();
    }
    for (Snapshot s : meta.snapshots()) {
      if (indexed.add(s.snapshotId())) {
        String ids = s.summary().get(SUMMARY_KEY);
        if (ids != null) {
          for (String id : ids.split(",")) {
            carriedIds.put(id, s.snapshotId());
          }
        }
      }
    }
  }

  /** The retained snapshot of {@code meta} whose summary lists request {@code id}, or null. */
  private Snapshot carriedBy(TableMetadata meta, String id) {
    Long snapshotId = carriedIds.get(id);
    return snapshotId == null
        ? null
        : meta.snapshot(snapshotId); // null once that snapshot is expired
  }

  /**
   * Pending request files (and claims left by leaders that died), the caller's own first; also
   * clears what dead processes left behind.
   */
  private List<Path> pendingFiles(String ownId) {
    List<Path> out = new ArrayList<>();
    long now = System.currentTimeMillis();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(queue)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        if (name.endsWith(REQ) || name.endsWith(CLAIMED)) {
          if (name.startsWith(ownId + ".")) {
            out.add(0, p);
          } else {
            out.add(p);
          }
        } else if (name.endsWith(".done") || name.endsWith(".tmp")) {
          try {
            if (now - Files.getLastModifiedTime(p).toMillis() > STALE_MILLIS) {
              deleteQuietly(p);
            }
          } catch (IOException e) {
            // gone already
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not list the append queue " + queue + ": " + e, e);
    }
    return out;
  }

  private static String idOf(Path file) {
    String name = file.getFileName().toString();
    return name.substring(0, name.indexOf('.'));
  }

  // ------------------------------------------------------------------ files

  private void submit(String id, Schema schema, List<Row> rows, Map<String, String> summary)
      throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeInt(MAGIC);
      out.writeLong(PID);
      out.writeLong(START);
      out.writeUTF(MACHINE);
      out.writeInt(schema.schemaId());
      writeMap(out, summary);
      out.writeInt(rows.size());
      Types.StructType type = schema.asStruct();
      for (Row r : rows) {
        RowCodec.write(out, type, r);
      }
    }
    Path target = queue.resolve(id + REQ);
    try {
      publish(target, buf.toByteArray());
    } catch (NoSuchFileException e) {
      Files.createDirectories(queue); // the first request to this table
      publish(target, buf.toByteArray());
    }
  }

  /** Reads a request; its rows only if it was written for the latest schema. */
  private static Request read(Path file, String id, TableMetadata latest) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    if (in.readInt() != MAGIC) {
      throw new IOException("not a DataShard append request");
    }
    long pid = in.readLong();
    long start = in.readLong();
    String machine = in.readUTF();
    int schemaId = in.readInt();
    Map<String, String> summary = readMap(in);
    Schema schema = latest.schema();
    List<Row> rows = new ArrayList<>();
    if (schemaId == schema.schemaId()) {
      int n = in.readInt();
      if (n < 0 || n > bytes.length) {
        throw new IOException("bad row count " + n);
      }
      Types.StructType type = schema.asStruct();
      for (int i = 0; i < n; i++) {
        rows.add(RowCodec.read(in, type));
      }
      if (in.available() != 0) {
        throw new IOException(in.available() + " unexpected bytes after the rows");
      }
    }
    return new Request(id, file, pid, start, machine, schemaId, summary, rows, bytes.length);
  }

  private Outcome outcome(String id) {
    Path file = queue.resolve(id + ".done");
    if (!Files.exists(file)) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new CommitStateUnknownException(
          "Could not read the outcome "
              + file
              + " of an append to "
              + core.location()
              + ": "
              + e
              + ". Check whether its rows are in the table before appending them again.",
          e);
    }
    deleteQuietly(file);
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
      if (in.readInt() != MAGIC) {
        throw new IOException("not a DataShard append outcome");
      }
      byte kind = in.readByte();
      if (kind != OK) {
        return new Outcome(kind, null, in.readUTF());
      }
      long snapshotId = in.readLong();
      Long parentId = in.readBoolean() ? in.readLong() : null;
      long sequenceNumber = in.readLong();
      long timestamp = in.readLong();
      String manifestList = in.readUTF();
      Integer schemaId = in.readBoolean() ? in.readInt() : null;
      Map<String, String> summary = readMap(in);
      return new Outcome(
          OK,
          new Snapshot(
              snapshotId, parentId, sequenceNumber, timestamp, manifestList, summary, schemaId),
          null);
    } catch (IOException e) {
      throw new CommitStateUnknownException(
          "The outcome "
              + file
              + " of an append to "
              + core.location()
              + " is unreadable: "
              + e
              + ". Check whether its rows are in the table before appending them again.",
          e);
    }
  }

  private void writeOutcome(String id, Outcome o) {
    writeOutcomes(List.of(id), o);
  }

  /**
   * Writes one outcome for several requests: the file is written once, whole, under a temporary
   * name and hard-linked as each request's {@code <id>.done} (never replacing one), so a group
   * costs one file and a link per request.
   */
  private void writeOutcomes(List<String> ids, Outcome o) {
    if (ids.isEmpty()) {
      return;
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeInt(MAGIC);
      out.writeByte(o.kind);
      if (o.kind != OK) {
        String m = o.message == null ? "" : o.message;
        out.writeUTF(m.length() > 8000 ? m.substring(0, 8000) + "..." : m);
      } else {
        Snapshot s = o.snapshot;
        out.writeLong(s.snapshotId());
        out.writeBoolean(s.parentId() != null);
        if (s.parentId() != null) {
          out.writeLong(s.parentId());
        }
        out.writeLong(s.sequenceNumber());
        out.writeLong(s.timestampMillis());
        out.writeUTF(s.manifestList());
        out.writeBoolean(s.schemaId() != null);
        if (s.schemaId() != null) {
          out.writeInt(s.schemaId());
        }
        writeMap(out, s.summary());
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory
    }
    Path tmp = queue.resolve("outcome-" + tempSuffix());
    try {
      Files.write(tmp, buf.toByteArray());
      for (String id : ids) {
        try {
          Files.createLink(queue.resolve(id + ".done"), tmp);
        } catch (FileAlreadyExistsException e) {
          // settled twice (by two leaders): the same outcome, keep the first
        } catch (IOException e) {
          // The waiter will lead itself and settle its request from the table's summaries.
          LOG.warn(
              "Could not write the outcome of append request {} in {}: {}",
              id,
              queue,
              e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn(
          "Could not write the outcome of append requests {} in {}: {}", ids, queue, e.toString());
    } finally {
      deleteQuietly(tmp);
    }
  }

  /** A unique name ending in .tmp (such files left by a process that died are cleared later). */
  private static String tempSuffix() {
    return Long.toHexString(PID)
        + "-"
        + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong())
        + "-"
        + Long.toHexString(System.nanoTime())
        + ".tmp";
  }

  /**
   * Writes a whole file under a temporary name, then links it to its final name (never replacing).
   */
  private static void publish(Path target, byte[] content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + "." + tempSuffix());
    Files.write(tmp, content);
    try {
      Files.createLink(target, tmp);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
    out.writeInt(map.size());
    for (Map.Entry<String, String> e : map.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeUTF(e.getValue());
    }
  }

  private static Map<String, String> readMap(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("bad map size " + n);
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(in.readUTF(), in.readUTF());
    }
    return m;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.debug("Could not remove {}: {}", p, e.toString());
    }
  }

  private static String newId() {
    java.util.UUID u = java.util.UUID.randomUUID(); // from a secure source: unique across processes
    return Long.toHexString(
        (u.getMostSignificantBits() ^ u.getLeastSignificantBits()) | Long.MIN_VALUE);
  }
}
