package io.datashard.internal.commit;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Types;
import io.datashard.internal.FileNames;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of group commit's append queue, {@code metadata/.datashard-queue/}, all through the
 * table's {@link Storage}: request logs, requests, claims and outcomes, their names and their bytes
 * (the layout is in the commit package's documentation). A process appends its requests to a log of
 * its own ({@link Storage#append}) and publishes each under a name of its own by a hard link to
 * that log ({@link Storage#link}), the name saying where in the log it starts: so a request costs
 * no new file. A leader appends each group's outcome to an outcome log of its own and links that
 * log as each carried request's outcome, never replacing one: a group's outcome costs no new file
 * either. Nothing is forced to disk, so each record carries a format version and a CRC32 (and a
 * request its id), and a torn or foreign one is rejected, never half read.
 */
final class AppendQueue {
  private static final Logger LOG = LoggerFactory.getLogger(AppendQueue.class);

  static final String REQUEST = ".req";
  static final String CLAIM = ".claimed";
  static final String OUTCOME = ".done";
  static final String REQUEST_LOG = ".log";

  /** A process starts a new request log when its current one has grown past this many bytes. */
  static final long LOG_ROTATE_BYTES = 256 * 1024;

  /**
   * A leader starts a new outcome log past this many bytes: a waiter reads the whole log its
   * outcome is in, so it stays short (a group's outcome is about a kilobyte).
   */
  static final long OUTCOME_LOG_ROTATE_BYTES = 32 * 1024;

  /** How an outcome log's name starts (it ends like a request log's). */
  static final String OUTCOME_LOG = "outcomes-";

  /** "DSGQ": a DataShard group-commit queue file. */
  static final int MAGIC = 0x44534751;

  static final int FORMAT_VERSION = 3;
  static final byte KIND_REQUEST = 1;
  static final byte KIND_OUTCOME = 2;

  /** Magic, kind, version, body length before the body; the CRC32 after it. */
  static final int HEADER = 4 + 1 + 1 + 4;

  /** Where in the header the body length is. */
  private static final int LENGTH_AT = 4 + 1 + 1;

  static final int FOOTER = 4;

  static final byte OK = 1;
  static final byte CONFLICT = 2;
  static final byte FAILED = 3;

  /**
   * Outcome and temporary files left by processes that died, and request logs not written to, are
   * removed after this long.
   */
  private static final long STALE_MILLIS = 10 * 60 * 1000;

  private final Storage storage;
  private final String dir;

  AppendQueue(Storage storage, String metadataDir) {
    this.storage = storage;
    this.dir = metadataDir + "/" + FileNames.QUEUE_DIR;
  }

  /** The queue directory. */
  String location() {
    return dir;
  }

  // ---------------------------------------------------------------- who is queueing

  /** Ids of this JVM's requests whose callers are still waiting for their outcome. */
  static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

  static final long PID = ProcessHandle.current().pid();
  static final long START =
      ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);

  /** This machine and boot: process ids are only compared between requests of the same one. */
  static final String MACHINE = machine();

  /** Names this process in its claims: pid, start time, machine. */
  static final String TOKEN = Long.toHexString(PID) + "-" + Long.toHexString(START) + "-" + MACHINE;

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

  /** Start times of the processes seen queueing requests, by pid (dropped when one is gone). */
  private static final ConcurrentHashMap<Long, Long> STARTS = new ConcurrentHashMap<>();

  /** True while the process named by (pid, start) on this machine may still be running. */
  static boolean processAlive(long pid, long start) {
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
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

  // ---------------------------------------------------------------- entries

  /**
   * A request in the queue, a link to its process's log: pending ({@code ID.OFFSET.req}) or claimed
   * ({@code ID.OFFSET.TOKEN.claimed}), OFFSET (hexadecimal) being where in the log it starts.
   */
  record Entry(String location, String id, long offset, boolean claimed, boolean ownClaim) {
    /** The entry a queue file's name makes; null if it is not a request or claim of this format. */
    static Entry parse(String location, String name) {
      String[] parts = name.split("\\.");
      boolean claimed = parts.length == 4 && name.endsWith(CLAIM);
      if (!claimed && !(parts.length == 3 && name.endsWith(REQUEST))) {
        return null;
      }
      long offset;
      try {
        offset = Long.parseLong(parts[1], 16);
      } catch (NumberFormatException e) {
        return null;
      }
      if (offset < 0 || parts[0].isEmpty()) {
        return null;
      }
      return new Entry(location, parts[0], offset, claimed, claimed && parts[2].equals(TOKEN));
    }

    /** True if the leader named in this claim may still be working on it. */
    boolean claimerAlive() {
      String name = location.substring(location.lastIndexOf('/') + 1);
      String token = name.split("\\.")[2];
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
  }

  /** A request as read by a leader; its rows only if it was written for the latest schema. */
  static final class Request {
    final String id;
    String location;
    final long offset;
    final long pid;
    final long start;
    final String machine;
    final int schemaId;
    final Map<String, String> summary;
    final List<Row> rows;
    final long bytes;

    Request(
        String id,
        String location,
        long offset,
        long pid,
        long start,
        String machine,
        int schemaId,
        Map<String, String> summary,
        List<Row> rows,
        long bytes) {
      this.id = id;
      this.location = location;
      this.offset = offset;
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

  /** What happened to one request. */
  record Outcome(byte kind, Snapshot snapshot, String message) {}

  private String request(String id, long offset) {
    return dir + "/" + key(id, offset) + REQUEST;
  }

  /** The part of a request's and its claims' names that says which request: ID.OFFSET. */
  private static String key(String id, long offset) {
    return id + "." + Long.toHexString(offset);
  }

  private String outcome(String id) {
    return dir + "/" + id + OUTCOME;
  }

  /** The number of pending (unclaimed) requests; {@link Integer#MAX_VALUE} if it cannot be told. */
  int pendingCount() {
    try {
      int n = 0;
      for (String name : storage.list(dir)) {
        if (name.endsWith(REQUEST)) {
          n++;
        }
      }
      return n;
    } catch (IOException e) {
      return Integer.MAX_VALUE;
    }
  }

  /**
   * The pending requests and claims (own first), clearing outcome and temporary files that dead
   * processes left behind.
   */
  List<Entry> entries(String ownId) {
    List<Entry> out = new ArrayList<>();
    long now = System.currentTimeMillis();
    List<Storage.FileInfo> files;
    try {
      files = storage.walk(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not list the append queue " + dir + ": " + e, e);
    }
    for (Storage.FileInfo f : files) {
      String name = f.name();
      boolean stale = now - f.lastModifiedMillis() > STALE_MILLIS;
      if (name.endsWith(REQUEST) || name.endsWith(CLAIM)) {
        Entry e = Entry.parse(f.location(), name);
        if (e == null) {
          if (stale) {
            remove(f.location()); // not of this format (an older version's, say): nobody reads it
          }
        } else if (e.id().equals(ownId)) {
          out.add(0, e);
        } else {
          out.add(e);
        }
      } else if ((name.endsWith(OUTCOME) || name.endsWith(".tmp") || name.endsWith(REQUEST_LOG))
          && stale) {
        // a log not written to for that long: its requests still queued keep their bytes (links)
        remove(f.location());
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- requests

  /**
   * Queues a request: appends it to this process's log and links the log as {@code ID.OFFSET.req}.
   *
   * @return the request's location, for {@link #pending} and {@link #withdraw}
   */
  String submit(String id, Schema schema, List<Row> rows, Map<String, String> summary)
      throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeUTF(id);
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
    byte[] sealed = seal(KIND_REQUEST, buf.toByteArray());
    LogGeneration log = LOGS.computeIfAbsent(dir, d -> new LogGeneration());
    synchronized (log) {
      for (int attempt = 0; ; attempt++) {
        String file = dir + "/" + TOKEN + "-" + log.generation + REQUEST_LOG;
        long offset = storage.append(file, sealed);
        String location = request(id, offset);
        try {
          storage.link(file, location);
        } catch (NoSuchFileException gone) {
          // the log was cleared away (unused for long) between the append and the link
          log.generation++;
          if (attempt == 0) {
            continue;
          }
          throw gone;
        }
        if (offset + sealed.length > LOG_ROTATE_BYTES) {
          // the next request starts a new log; this one's bytes live on in its requests' links
          log.generation++;
          remove(file);
        }
        return location;
      }
    }
  }

  /**
   * A log this process appends to in one queue directory (of requests, or of outcomes): its
   * generation, the number in its name.
   */
  private static final class LogGeneration {
    int generation;
  }

  /** This process's request logs, by queue directory. */
  private static final ConcurrentHashMap<String, LogGeneration> LOGS = new ConcurrentHashMap<>();

  /** True while the request at {@code location} is pending (neither claimed nor withdrawn). */
  boolean pending(String location) throws IOException {
    return storage.exists(location);
  }

  /** Takes the pending request at {@code location} back; false if a leader claimed it first. */
  boolean withdraw(String location) {
    return remove(location);
  }

  /**
   * Reads a request.
   *
   * @throws java.nio.file.NoSuchFileException if it was withdrawn or taken meanwhile
   * @throws IOException if it is torn, damaged or not a request
   */
  Request read(Entry entry, TableMetadata latest) throws IOException {
    byte[] bytes = readRecord(entry);
    DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(open(entry.location(), bytes, KIND_REQUEST)));
    String recorded = in.readUTF();
    if (!recorded.equals(entry.id())) {
      throw new IOException(
          entry.location() + " points at request " + recorded + ", not " + entry.id());
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
        throw new IOException("bad row count " + n + " in " + entry.location());
      }
      Types.StructType type = schema.asStruct();
      for (int i = 0; i < n; i++) {
        rows.add(RowCodec.read(in, type));
      }
      if (in.available() != 0) {
        throw new IOException(
            in.available() + " unexpected bytes after the rows in " + entry.location());
      }
    }
    return new Request(
        entry.id(),
        entry.location(),
        entry.offset(),
        pid,
        start,
        machine,
        schemaId,
        summary,
        rows,
        bytes.length);
  }

  /** The bytes of the record an entry points at (header to CRC), checked only for its length. */
  private byte[] readRecord(Entry entry) throws IOException {
    try (Storage.InputFile in = storage.open(entry.location())) {
      long size = in.length();
      if (entry.offset() + HEADER + FOOTER > size) {
        throw new IOException(
            entry.location() + " is torn: it ends before the request at offset " + entry.offset());
      }
      byte[] head = new byte[HEADER];
      in.readFully(entry.offset(), head, 0, HEADER);
      long length = ByteBuffer.wrap(head, LENGTH_AT, 4).getInt();
      if (length < 0 || entry.offset() + HEADER + length + FOOTER > size) {
        throw new IOException(
            entry.location()
                + " is torn: the request at offset "
                + entry.offset()
                + " says "
                + length
                + " bytes of body, and the file ends before them");
      }
      byte[] all = Arrays.copyOf(head, (int) (HEADER + length + FOOTER));
      in.readFully(entry.offset() + HEADER, all, HEADER, all.length - HEADER); // header read once
      return all;
    }
  }

  /**
   * Claims a request (pending, or claimed by a leader that died) for this process: links the file
   * under a claim name of its own, then removes the old name; whoever removes it first wins.
   *
   * @return false if its caller withdrew it (or another leader took it) first
   * @throws IOException if the claim could not be made for another reason
   */
  boolean claim(Request r) throws IOException {
    String claimed = dir + "/" + key(r.id, r.offset) + "." + TOKEN + CLAIM;
    try {
      storage.link(r.location, claimed);
    } catch (FileAlreadyExistsException | NoSuchFileException e) {
      return false;
    }
    if (remove(r.location)) {
      r.location = claimed;
      return true;
    }
    remove(claimed); // its caller withdrew it first
    return false;
  }

  /**
   * Returns the claimed request {@code id} (at {@code offset} in its log), whose claim file is
   * {@code claim}, to the queue.
   */
  void unclaim(String id, long offset, String claim) {
    try {
      storage.link(claim, request(id, offset));
      storage.delete(claim);
    } catch (IOException e) {
      LOG.warn("Could not return append request {} to {}: {}", id, dir, e.toString());
    }
  }

  /** Removes a queue file; false if it was not there (or could not be removed). */
  boolean remove(String location) {
    try {
      return storage.delete(location);
    } catch (IOException e) {
      LOG.debug("Could not remove {}: {}", location, e.toString());
      return false;
    }
  }

  // ---------------------------------------------------------------- outcomes

  /**
   * Takes the outcome of request {@code id} (and removes its name): null if there is none yet.
   *
   * @throws IOException if it cannot be read, or is torn or damaged
   */
  Outcome takeOutcome(String id) throws IOException {
    String file = outcome(id);
    if (!storage.exists(file)) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = storage.readAll(file);
    } catch (NoSuchFileException e) {
      return null;
    }
    remove(file);
    return readOutcome(file, bytes, id);
  }

  /**
   * The outcome of request {@code id} in the outcome log {@code bytes} (read through the name
   * {@code location}): the first record that lists it, as the first outcome linked for a request is
   * the one it keeps.
   *
   * @throws IOException if no whole record before a torn or damaged one lists {@code id}
   */
  static Outcome readOutcome(String location, byte[] bytes, String id) throws IOException {
    int at = 0;
    while (at + HEADER + FOOTER <= bytes.length) {
      int length = ByteBuffer.wrap(bytes, at + LENGTH_AT, 4).getInt();
      if (length < 0 || length > bytes.length - at - HEADER - FOOTER) {
        break; // torn: the rest was never written whole
      }
      int end = at + HEADER + length + FOOTER;
      byte[] body = open(location, Arrays.copyOfRange(bytes, at, end), KIND_OUTCOME);
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
      int n = in.readInt();
      if (n < 0 || n > body.length) {
        throw new IOException(location + " is damaged: an outcome lists " + n + " requests");
      }
      boolean listed = false;
      for (int i = 0; i < n; i++) {
        listed |= in.readUTF().equals(id);
      }
      if (listed) {
        return readOutcomeBody(in);
      }
      at = end;
    }
    throw new IOException(
        location
            + " holds no whole outcome for append request "
            + id
            + " ("
            + bytes.length
            + " bytes: torn?)");
  }

  private static Outcome readOutcomeBody(DataInputStream in) throws IOException {
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
  }

  /**
   * Writes one outcome for several requests: one record appended to this process's outcome log,
   * which is then linked as each request's {@code ID.done} (never replacing one), so a group costs
   * no new file, one append and a link per request. Best effort: a waiter without its outcome leads
   * itself and settles its request from the table's summaries.
   */
  void writeOutcomes(List<String> ids, Outcome o) {
    if (ids.isEmpty()) {
      return;
    }
    byte[] sealed = seal(KIND_OUTCOME, outcomeBody(ids, o));
    LogGeneration log = OUTCOME_LOGS.computeIfAbsent(dir, d -> new LogGeneration());
    synchronized (log) {
      String file = dir + "/" + OUTCOME_LOG + TOKEN + "-" + log.generation + REQUEST_LOG;
      long offset;
      try {
        offset = storage.append(file, sealed);
      } catch (IOException e) {
        log.generation++; // a log that cannot be appended to is not tried again
        LOG.warn(
            "Could not write the outcome of append requests {} in {}: {}", ids, dir, e.toString());
        return;
      }
      for (String id : ids) {
        try {
          storage.link(file, outcome(id));
        } catch (FileAlreadyExistsException e) {
          // settled twice (by two leaders): the first outcome stays
        } catch (IOException e) {
          LOG.warn(
              "Could not write the outcome of append request {} in {}: {}", id, dir, e.toString());
        }
      }
      if (offset + sealed.length > OUTCOME_LOG_ROTATE_BYTES) {
        // the next group starts a new log; this one lives on in its outcomes' links
        log.generation++;
        remove(file);
      }
    }
  }

  /** The body of an outcome record: the requests it answers, then what happened to them. */
  static byte[] outcomeBody(List<String> ids, Outcome o) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(512 + 20 * ids.size());
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeInt(ids.size());
      for (String id : ids) {
        out.writeUTF(id);
      }
      out.writeByte(o.kind());
      if (o.kind() != OK) {
        String m = o.message() == null ? "" : o.message();
        out.writeUTF(m.length() > 8000 ? m.substring(0, 8000) + "..." : m);
      } else {
        Snapshot s = o.snapshot();
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
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory
    }
    return buf.toByteArray();
  }

  /** This process's outcome logs, by queue directory. */
  private static final ConcurrentHashMap<String, LogGeneration> OUTCOME_LOGS =
      new ConcurrentHashMap<>();

  // ---------------------------------------------------------------- the envelope

  /** The bytes of a queue file: header, body, CRC32 of everything before it. */
  static byte[] seal(byte kind, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(HEADER + body.length + FOOTER);
    b.putInt(MAGIC).put(kind).put((byte) FORMAT_VERSION).putInt(body.length).put(body);
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, HEADER + body.length);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * The body of a queue file of {@code kind}.
   *
   * @throws IOException naming the file and what is wrong with it, if it is not one whole
   */
  static byte[] open(String location, byte[] bytes, byte kind) throws IOException {
    String what = kind == KIND_REQUEST ? "append request" : "append outcome";
    if (bytes.length < HEADER + FOOTER) {
      throw new IOException(
          location + " is not a DataShard " + what + ": only " + bytes.length + " bytes (torn?)");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.getInt() != MAGIC) {
      throw new IOException(location + " is not a DataShard " + what + " (wrong magic number)");
    }
    byte actualKind = b.get();
    int version = b.get();
    if (version != FORMAT_VERSION) {
      throw new IOException(
          location
              + " is a group-commit queue file of format version "
              + version
              + ", which this DataShard (version "
              + FORMAT_VERSION
              + ") does not read: run one DataShard version per table at a time");
    }
    if (actualKind != kind) {
      throw new IOException(
          location + " is not a DataShard " + what + " (kind " + actualKind + ")");
    }
    int length = b.getInt();
    if (length != bytes.length - HEADER - FOOTER) {
      throw new IOException(
          location
              + " is torn: its header says "
              + length
              + " bytes of body, it has "
              + (bytes.length - HEADER - FOOTER));
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, HEADER + length);
    int stored = ByteBuffer.wrap(bytes, HEADER + length, FOOTER).getInt();
    if (stored != (int) crc.getValue()) {
      throw new IOException(location + " is damaged: its CRC32 does not match its contents");
    }
    byte[] body = new byte[length];
    System.arraycopy(bytes, HEADER, body, 0, length);
    return body;
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
}
