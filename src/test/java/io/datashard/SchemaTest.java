package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaTest {
  @Test
  void parsesEveryPrimitiveAndNestedType() {
    Schema s =
        Schema.parse(
            "b boolean, i int, l long not null, f float, d double, dec decimal(9, 2), "
                + "dt date, t time, ts timestamp, tz timestamptz, s string, u uuid, fx fixed[16], bin binary, "
                + "emb list<float>, tags map<string, int>, pos struct<x: double, y: double not null>");
    assertThat(s.columns()).hasSize(17);
    assertThat(s.findField("l").isRequired()).isTrue();
    assertThat(s.findField("dec").type()).isEqualTo(Types.decimal(9, 2));
    assertThat(s.findField("fx").type()).isEqualTo(Types.fixed(16));
    assertThat(s.findField("emb").type().asList().elementType()).isEqualTo(Types.FLOAT);
    assertThat(s.findField("tags").type().asMap().valueType()).isEqualTo(Types.INT);
    assertThat(s.findField("pos.y").isRequired()).isTrue();
    // top-level ids first, 1..17, then nested ids
    assertThat(s.findField("b").id()).isEqualTo(1);
    assertThat(s.findField("pos").id()).isEqualTo(17);
    assertThat(s.findField("emb").type().asList().elementId()).isGreaterThan(17);
    assertThat(s.highestFieldId()).isEqualTo(17 + 1 + 2 + 2);
  }

  @Test
  void builderAssignsIdsLikeTheParser() {
    Schema built =
        Schema.builder()
            .optional("id", Types.LONG)
            .optional("emb", Types.list(Types.FLOAT))
            .build();
    assertThat(built.sameColumns(Schema.parse("id long, emb list<float>"))).isTrue();
  }

  @Test
  void badDefinitionsNameTheProblem() {
    assertThatThrownBy(() -> Schema.parse("id lng"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Unknown type 'lng'");
    assertThatThrownBy(() -> Schema.parse("id long,"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("expected a column name");
    assertThatThrownBy(() -> Schema.parse("a long, a int"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Duplicate field name 'a'");
    assertThatThrownBy(() -> Schema.parse("")).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> Schema.parse("e list<float"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("expected '>'");
  }

  @Test
  void selectProjectsColumnsInOrder() {
    Schema s = Schema.parse("a int, b string, c double");
    assertThat(s.select(List.of("c", "a")).columnNames()).containsExactly("c", "a");
    assertThatThrownBy(() -> s.select(List.of("z")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Unknown column 'z'");
  }
}
