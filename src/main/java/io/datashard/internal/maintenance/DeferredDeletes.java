package io.datashard.internal.maintenance;

import io.datashard.internal.FileNames;
import io.datashard.internal.commit.TableOperations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The automatic cleanup's deletions that wait for the grace period: lists of files, each written
 * once under {@code metadata/.datashard-deletes/MS-UUID.deletes} (MS: when it was scheduled) and
 * never changed, processed by whichever later cleanup finds them due. A list is deleted after its
 * files; deleting a file twice is harmless, so two processes may process one list at once.
 *
 * <p>Layout (UTF-8 text, one item per line): {@code datashard-deferred-deletes 1}, then one table
 * file location per line, then {@code end COUNT CRC}, where CRC is the CRC32 (hexadecimal) of the
 * bytes before that line. A list that does not end so (damaged or foreign) is left alone with a
 * warning: its files stay, and {@code datashard gc} removes them later. Only files inside the
 * table's directory are ever listed.
 */
public final class DeferredDeletes {
  private static final Logger LOG = LoggerFactory.getLogger(DeferredDeletes.class);
  private static final String HEADER = "datashard-deferred-deletes 1";

  private final TableOperations ops;

  DeferredDeletes(TableOperations ops) {
    this.ops = ops;
  }

  private String dir() {
    return ops.metadataDir() + "/" + FileNames.DEFERRED_DELETES_DIR;
  }

  /**
   * Every file that a list of deferred deletions names, due or not (empty if they cannot be
   * listed).
   */
  public static Set<String> scheduledFiles(TableOperations ops) {
    DeferredDeletes d = new DeferredDeletes(ops);
    Set<String> out = new HashSet<>();
    try {
      for (String list : d.listsUpTo(Long.MAX_VALUE)) {
        List<String> files = d.read(list);
        if (files != null) {
          out.addAll(files);
        }
      }
    } catch (IOException e) {
      // none known
    }
    return out;
  }

  /** Records {@code files} for deletion once {@code nowMillis} plus the grace period has passed. */
  void schedule(Collection<String> files, long nowMillis) throws IOException {
    if (files.isEmpty()) {
      return;
    }
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    int count = 0;
    for (String f : files) {
      if (f.indexOf('\n') >= 0) {
        continue; // cannot be listed; left for gc
      }
      b.append(f).append('\n');
      count++;
    }
    byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    crc.update(body);
    String end = "end " + count + " " + Long.toHexString(crc.getValue()) + "\n";
    byte[] tail = end.getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[body.length + tail.length];
    System.arraycopy(body, 0, all, 0, body.length);
    System.arraycopy(tail, 0, all, body.length, tail.length);
    try {
      ops.storage().writeNew(dir() + "/" + FileNames.deferredDeletes(nowMillis), all);
    } catch (FileAlreadyExistsException e) {
      // a random name taken: impossible in practice; the files stay for gc
    }
  }

  /** The lists scheduled at or before {@code cutoffMillis} (all: {@link Long#MAX_VALUE}). */
  List<String> listsUpTo(long cutoffMillis) throws IOException {
    List<String> due = new ArrayList<>();
    for (String name : ops.storage().list(dir())) {
      long at = FileNames.parseDeferredDeletes(name);
      if (at >= 0 && at <= cutoffMillis) {
        due.add(dir() + "/" + name);
      }
    }
    return due;
  }

  /**
   * The files a list names, or null if it is damaged or not a list (with a warning) or gone (a
   * concurrent cleanup processed it).
   */
  List<String> read(String list) {
    byte[] all;
    try {
      all = ops.storage().readAll(list);
    } catch (IOException e) {
      return null;
    }
    String text = new String(all, StandardCharsets.UTF_8);
    int endLine = text.lastIndexOf("\nend ");
    List<String> files = new ArrayList<>();
    if (text.startsWith(HEADER + "\n") && endLine > 0 && text.endsWith("\n")) {
      byte[] body = text.substring(0, endLine + 1).getBytes(StandardCharsets.UTF_8);
      CRC32 crc = new CRC32();
      crc.update(body);
      String[] end = text.substring(endLine + 1, text.length() - 1).split(" ");
      String[] lines = text.substring(HEADER.length() + 1, endLine + 1).split("\n", -1);
      for (int i = 0; i < lines.length - 1; i++) {
        files.add(lines[i]);
      }
      if (end.length == 3
          && end[1].equals(Integer.toString(files.size()))
          && end[2].equals(Long.toHexString(crc.getValue()))) {
        return files;
      }
    }
    LOG.warn(
        "Ignoring {}: it is not a complete list of deferred deletions (damaged, or written by "
            + "another program). The files it may name stay; 'datashard gc' removes unused ones.",
        list);
    return null;
  }

  /**
   * Deletes the files of every list scheduled at or before {@code cutoffMillis}, then the list.
   *
   * @return how many files were deleted
   */
  int deleteDue(long cutoffMillis) throws IOException {
    int deleted = 0;
    String root = ops.root() + "/";
    for (String list : listsUpTo(cutoffMillis)) {
      List<String> files = read(list);
      if (files == null) {
        continue;
      }
      for (String f : files) {
        if (f.startsWith(root) && FileCleanup.deleteQuietly(ops, f)) {
          deleted++;
        }
      }
      FileCleanup.deleteQuietly(ops, list);
    }
    return deleted;
  }
}
