package io.datashard.cli;

import io.datashard.Ref;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code datashard history}: the snapshot timeline. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = {
      "Show the snapshot timeline, oldest first: id, time (UTC), operation, rows added and removed, total rows, "
          + "the writer id when the commit recorded one (summary key 'writer'; group commits of several appends show "
          + "how many) and the tags and branches pointing at the snapshot. The current one is marked with *.",
      "Only retained snapshots are listed: older ones were expired (see 'expire')."
    },
    footer = {"", "Exit codes: 0 printed, 1 no table or an unreadable one, 2 bad command line."})
final class HistoryCommand implements Callable<Integer> {
  enum Format {
    text,
    json
  }

  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "text or json (one object per line; default: " + "${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--limit", paramLabel = "N", description = "Show only the newest N snapshots.")
  Integer limit;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** The writer recorded in a snapshot summary, or empty. */
  static String writer(Snapshot s) {
    for (String key : List.of("writer", "writer-id", "datashard.writer")) {
      String v = s.summary().get(key);
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    String group = s.summary().get("datashard.group-requests");
    if (group != null && !group.isEmpty()) {
      int n = group.split(",").length;
      if (n > 1) {
        return "group commit of " + n + " appends";
      }
    }
    return "";
  }

  /**
   * The branches and tags (but main, which the * marks) pointing at each snapshot: "tag v1, branch
   * dev".
   */
  static Map<Long, List<String>> refNames(Table table) {
    Map<Long, List<String>> out = new HashMap<>();
    for (Ref r : table.refs().values()) {
      if (!r.name().equals("main")) {
        out.computeIfAbsent(r.snapshotId(), k -> new ArrayList<>()).add(r.type() + " " + r.name());
      }
    }
    return out;
  }

  @Override
  public Integer call() {
    Table table = common.open(dir);
    List<Snapshot> snapshots = table.snapshots();
    Map<Long, List<String>> refs = refNames(table);
    Long current = table.currentSnapshot().map(Snapshot::snapshotId).orElse(null);
    if (limit != null && limit >= 0 && snapshots.size() > limit) {
      snapshots = snapshots.subList(snapshots.size() - limit, snapshots.size());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (format == Format.json) {
      for (Snapshot s : snapshots) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("snapshot_id", s.snapshotId());
        m.put("parent_id", s.parentId());
        m.put("current", current != null && current == s.snapshotId());
        m.put("timestamp_ms", s.timestampMillis());
        m.put("time", Instant.ofEpochMilli(s.timestampMillis()).toString());
        m.put("operation", s.operation());
        m.put("added_records", s.summaryLong("added-records", 0));
        m.put("deleted_records", s.summaryLong("deleted-records", 0));
        long total = s.summaryLong("total-records", -1);
        m.put("total_records", total < 0 ? null : total);
        String w = writer(s);
        m.put("writer", w.isEmpty() ? null : w);
        m.put("refs", refs.getOrDefault(s.snapshotId(), List.of()));
        out.println(Render.json(m));
      }
      return 0;
    }
    if (snapshots.isEmpty()) {
      out.println("No snapshots yet: nothing was committed to " + table.location() + ".");
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Snapshot s : snapshots) {
      boolean isCurrent = current != null && current == s.snapshotId();
      long added = s.summaryLong("added-records", 0);
      long deleted = s.summaryLong("deleted-records", 0);
      long total = s.summaryLong("total-records", -1);
      rows.add(
          List.of(
              isCurrent ? "*" : "",
              Long.toString(s.snapshotId()),
              WHEN.format(Instant.ofEpochMilli(s.timestampMillis())),
              String.valueOf(s.operation()),
              added == 0 ? "" : "+" + Progress.count(added),
              deleted == 0 ? "" : "-" + Progress.count(deleted),
              total < 0 ? "" : Progress.count(total),
              writer(s),
              String.join(", ", refs.getOrDefault(s.snapshotId(), List.of()))));
    }
    List<String> header =
        new ArrayList<>(
            List.of(
                "",
                "snapshot",
                "when (UTC)",
                "operation",
                "added",
                "removed",
                "rows",
                "writer",
                "refs"));
    if (refs.isEmpty()) {
      header.remove(header.size() - 1);
      rows.replaceAll(r -> r.subList(0, r.size() - 1));
    }
    Render.table(header, rows).forEach(out::println);
    int all = table.snapshots().size();
    out.println(
        "("
            + snapshots.size()
            + " of "
            + all
            + " retained snapshot"
            + (all == 1 ? "" : "s")
            + (current == null ? "" : "; * current")
            + ")");
    return 0;
  }
}
