package io.datashard.internal.scan;

import io.datashard.DataFile;
import io.datashard.Expression.Operation;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.Transforms;
import io.datashard.internal.Values;
import io.datashard.internal.expr.BoundExpr;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides from a data file's partition values whether it may hold a row a filter matches, by
 * projecting each predicate on a source column through the partition transform (Iceberg's inclusive
 * projection): {@code col = v} becomes {@code part = T(v)} for every transform; {@code col < v} and
 * {@code col <= v} become {@code part <= T(v)}, {@code col > v} and {@code col >= v} become {@code
 * part >= T(v)} for the order-preserving ones (identity, truncate, year, month, day, hour; bucket
 * only answers equality and {@code in}). A null partition value means every row has a null source
 * value. Anything else is answered "may match", so pruning by it never loses a row.
 */
public final class PartitionPruning {
  private PartitionPruning() {}

  /** False only if no row of {@code file} can match {@code e}, judged by its partition values. */
  public static boolean mightMatch(BoundExpr e, DataFile file, TableMetadata meta, Schema schema) {
    PartitionSpec spec = meta.spec(file.specId());
    if (spec == null
        || spec.isUnpartitioned()
        || file.partition() == null
        || file.partition().size() != spec.fields().size()) {
      return true;
    }
    Types.StructType partitionType;
    try {
      partitionType = spec.partitionType(schema);
    } catch (RuntimeException ex) {
      return true; // a source column no longer in this schema: no answer
    }
    return eval(e, spec, partitionType, file.partition());
  }

  private static boolean eval(
      BoundExpr e, PartitionSpec spec, Types.StructType type, Row partition) {
    switch (e.op()) {
      case TRUE:
        return true;
      case FALSE:
        return false;
      case AND:
        return eval(e.children().get(0), spec, type, partition)
            && eval(e.children().get(1), spec, type, partition);
      case OR:
        return eval(e.children().get(0), spec, type, partition)
            || eval(e.children().get(1), spec, type, partition);
      default:
        for (int i = 0; i < spec.fields().size(); i++) {
          PartitionSpec.Field f = spec.fields().get(i);
          if (f.sourceId() == e.fieldId()
              && !predicate(e, f.transform(), type.fields().get(i).type(), partition.get(i))) {
            return false;
          }
        }
        return true;
    }
  }

  private static boolean predicate(BoundExpr e, String transform, Type resultType, Object p) {
    String t = transform.toLowerCase(Locale.ROOT);
    if (t.equals("void")) {
      return true;
    }
    Operation op = e.op();
    if (op == Operation.IS_NULL) {
      return p == null;
    }
    if (p == null) {
      return false; // every row of the file has a null source value: no other predicate matches
    }
    if (op == Operation.NOT_NULL) {
      return true;
    }
    Type source = e.type();
    if (source.typeId() == Type.TypeId.FLOAT || source.typeId() == Type.TypeId.DOUBLE) {
      return true; // NaN and -0.0 make float partitions a poor guide; leave them to the metrics
    }
    boolean identity = t.equals("identity");
    boolean ordered =
        identity
            || t.startsWith("truncate")
            || t.equals("year")
            || t.equals("month")
            || t.equals("day")
            || t.equals("hour");
    try {
      switch (op) {
        case EQ:
          return compare(resultType, p, Transforms.apply(transform, source, e.literal())) == 0;
        case IN:
          {
            for (Object v : e.set()) {
              if (compare(resultType, p, Transforms.apply(transform, source, v)) == 0) {
                return true;
              }
            }
            return false;
          }
        case NOT_EQ:
          return !identity || compare(resultType, p, e.literal()) != 0;
        case NOT_IN:
          {
            if (!identity) {
              return true;
            }
            for (Object v : e.set()) {
              if (compare(resultType, p, v) == 0) {
                return false;
              }
            }
            return true;
          }
        case LT:
          if (identity) {
            return compare(resultType, p, e.literal()) < 0;
          }
          return !ordered
              || compare(resultType, p, Transforms.apply(transform, source, e.literal())) <= 0;
        case LT_EQ:
          return !ordered
              || compare(resultType, p, Transforms.apply(transform, source, e.literal())) <= 0;
        case GT:
          if (identity) {
            return compare(resultType, p, e.literal()) > 0;
          }
          return !ordered
              || compare(resultType, p, Transforms.apply(transform, source, e.literal())) >= 0;
        case GT_EQ:
          return !ordered
              || compare(resultType, p, Transforms.apply(transform, source, e.literal())) >= 0;
        case STARTS_WITH:
          {
            if (source.typeId() != Type.TypeId.STRING || !(p instanceof String)) {
              return true;
            }
            String prefix = (String) e.literal();
            String part = (String) p;
            if (identity) {
              return part.startsWith(prefix);
            }
            if (t.startsWith("truncate")) {
              // the partition value is the first W code points of each row's value
              String cut = (String) Transforms.apply(transform, source, prefix);
              return cut.length() < prefix.length() ? part.equals(cut) : part.startsWith(prefix);
            }
            return true;
          }
        case NOT_STARTS_WITH:
          return !identity
              || !(p instanceof String)
              || !((String) p).startsWith((String) e.literal());
        default:
          return true;
      }
    } catch (RuntimeException ex) {
      return true; // a value the transform cannot take: no answer, keep the file
    }
  }

  private static int compare(Type type, Object a, Object b) {
    return Values.compare(type, a, b);
  }

  /** The files of {@code files} that may match, by partition values (kept in order). */
  public static List<DataFile> prune(
      BoundExpr e, List<DataFile> files, TableMetadata meta, Schema schema) {
    List<DataFile> out = new ArrayList<>();
    for (DataFile f : files) {
      if (mightMatch(e, f, meta, schema)) {
        out.add(f);
      }
    }
    return out;
  }
}
