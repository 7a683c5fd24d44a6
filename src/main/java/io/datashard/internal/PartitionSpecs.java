package io.datashard.internal;

import io.datashard.Schema;
import io.datashard.ValidationException;
import io.datashard.internal.meta.PartitionSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds partition specs from their written terms ({@code day(ts)}, {@code bucket(16, id)}, ...).
 */
public final class PartitionSpecs {
  private PartitionSpecs() {}

  /**
   * A spec with id {@code specId} of these terms, its field ids assigned above {@code lastFieldId}.
   */
  public static PartitionSpec of(int specId, Schema schema, List<String> terms, int lastFieldId) {
    List<PartitionSpec.Field> fields = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int next = lastFieldId;
    for (String term : terms) {
      PartitionSpec.Field f = Transforms.parseTerm(term, schema, ++next);
      checkName(f, names, schema, term);
      fields.add(f);
    }
    return new PartitionSpec(specId, fields);
  }

  public static void checkName(
      PartitionSpec.Field f, Set<String> names, Schema schema, String term) {
    if (!names.add(f.name())) {
      throw new ValidationException(
          "Partition term '"
              + term
              + "' repeats partition field '"
              + f.name()
              + "'. Partition by each transform of a column once.");
    }
    if (!f.transform().equals("identity") && schema.findField(f.name()) != null) {
      throw new ValidationException(
          "Partition field '"
              + f.name()
              + "' of term '"
              + term
              + "' has the name of a "
              + "column. Rename that column, or partition by another transform.");
    }
  }

  /** The written terms of a spec, e.g. {@code [day(ts), bucket(16, id)]}. */
  public static List<String> terms(PartitionSpec spec, Schema schema) {
    List<String> out = new ArrayList<>();
    for (PartitionSpec.Field f : spec.fields()) {
      out.add(Transforms.term(f, schema));
    }
    return out;
  }
}
