package io.datashard.internal.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CorruptTableException;
import io.datashard.Schema;
import io.datashard.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableMetadataParserTest {
  static TableMetadata sample() {
    Schema schema =
        Schema.parse(
            "id long not null, name string, emb list<float>, m map<string, int>, "
                + "p struct<x: double, y: double>");
    TableMetadata base =
        TableMetadata.builder()
            .tableUuid("9c12d441-03fe-4693-9a96-a0705ddf69c1")
            .location("/tmp/t")
            .lastUpdatedMillis(1000)
            .lastColumnId(schema.highestFieldId())
            .schemas(List.of(schema))
            .currentSchemaId(0)
            .specs(List.of(PartitionSpec.unpartitioned()))
            .properties(Map.of("write.format.default", "parquet"))
            .build();
    Snapshot s1 =
        new Snapshot(
            11,
            null,
            1,
            2000,
            "/tmp/t/metadata/snap-11.avro",
            Map.of("operation", "append", "added-records", "3"),
            0);
    Snapshot s2 =
        new Snapshot(
            22, 11L, 2, 3000, "/tmp/t/metadata/snap-22.avro", Map.of("operation", "append"), 0);
    return TableMetadata.buildFrom(base)
        .addSnapshotAsCurrent(s1)
        .addSnapshotAsCurrent(s2)
        .addPreviousMetadata(
            new TableMetadata.MetadataLogEntry(1000, "/tmp/t/metadata/v1.metadata.json"), 100)
        .build();
  }

  @Test
  void roundTripsEveryField() {
    TableMetadata m = sample();
    byte[] json = TableMetadataParser.toJson(m);
    TableMetadata back = TableMetadataParser.fromJson("v3.metadata.json", json);
    assertThat(back.schema().sameColumns(m.schema())).isTrue();
    assertThat(back.snapshots()).isEqualTo(m.snapshots());
    assertThat(back.currentSnapshotId()).isEqualTo(22L);
    assertThat(back.lastSequenceNumber()).isEqualTo(2);
    assertThat(back.refs().get("main").snapshotId()).isEqualTo(22L);
    assertThat(back.snapshotLog()).hasSize(2);
    assertThat(back.metadataLog()).hasSize(1);
    assertThat(back.properties()).isEqualTo(m.properties());
    assertThat(TableMetadataParser.toJson(back)).isEqualTo(json);
    String text = new String(json, StandardCharsets.UTF_8);
    assertThat(text)
        .contains(
            "\"format-version\":2",
            "\"element-id\"",
            "\"value-required\"",
            "\"current-snapshot-id\":22",
            "\"last-partition-id\":999");
  }

  @Test
  void snapshotsOfAnEarlierVersionOfTheSameTableAreReusedNotParsedAgain() {
    TableMetadata v1 = TableMetadataParser.fromJson("v1", TableMetadataParser.toJson(sample()));
    Snapshot s3 =
        new Snapshot(
            33, 22L, 3, 4000, "/tmp/t/metadata/snap-33.avro", Map.of("operation", "append"), 0);
    byte[] v2json =
        TableMetadataParser.toJson(TableMetadata.buildFrom(v1).addSnapshotAsCurrent(s3).build());

    TableMetadata v2 = TableMetadataParser.fromJson("v2", v2json, v1.tableUuid(), v1::snapshot);
    assertThat(v2.snapshots()).hasSize(3);
    assertThat(v2.snapshot(11)).isSameAs(v1.snapshot(11));
    assertThat(v2.snapshot(22)).isSameAs(v1.snapshot(22));
    assertThat(v2.snapshot(33)).isEqualTo(s3);
    assertThat(v2.snapshotLog()).hasSize(3);
    assertThat(v2.snapshots()).isEqualTo(TableMetadataParser.fromJson("v2", v2json).snapshots());

    // another table (other uuid) with the same snapshot ids: nothing is taken from the first
    String other =
        new String(v2json, StandardCharsets.UTF_8)
            .replace(v1.tableUuid(), "00000000-0000-0000-0000-000000000001");
    TableMetadata foreign =
        TableMetadataParser.fromJson(
            "o", other.getBytes(StandardCharsets.UTF_8), v1.tableUuid(), v1::snapshot);
    assertThat(foreign.snapshot(11)).isEqualTo(v1.snapshot(11)).isNotSameAs(v1.snapshot(11));
  }

  @Test
  void reusingKnownSnapshotsReadsTheSameMetadataAsAFullParseAndRefusesTheSameDamage() {
    TableMetadata v1 = TableMetadataParser.fromJson("v1", TableMetadataParser.toJson(sample()));
    Snapshot s3 =
        new Snapshot(
            9_000_000_000_000_000_033L,
            22L,
            3,
            4000,
            "/tmp/t/metadata/snap-33.avro",
            Map.of("operation", "append", "note", "a \"quoted\" }] value"),
            0);
    byte[] v2json =
        TableMetadataParser.toJson(TableMetadata.buildFrom(v1).addSnapshotAsCurrent(s3).build());
    TableMetadata quick = TableMetadataParser.fromJson("v2", v2json, v1.tableUuid(), v1::snapshot);
    TableMetadata full = TableMetadataParser.fromJson("v2", v2json);
    assertThat(quick.snapshot(11)).isSameAs(v1.snapshot(11));
    assertThat(TableMetadataParser.toJson(quick))
        .isEqualTo(TableMetadataParser.toJson(full))
        .isEqualTo(v2json);
    assertThat(quick.snapshot(s3.snapshotId())).isEqualTo(s3);

    String text = new String(v2json, StandardCharsets.UTF_8);
    int second = text.indexOf("{\"snapshot-id\":22");
    String[] damaged = {
      text.substring(0, second - 1) + text.substring(second), // no comma between two snapshots
      text.replace("}],\"snapshot-log\"", "},],\"snapshot-log\""), // a trailing comma
      text.substring(0, second + 40), // cut inside the snapshots
      text.replace("{\"snapshot-id\":22,", "{\"snapshot-id\":22,,"), // a bad known snapshot
      text.replace(
          "{\"timestamp-ms\":1000,\"metadata-file\"", "{\"timestamp-ms\":1000,\"metadata-fil\""),
      text.replace(
          "\"snapshot-log\":[{\"timestamp-ms\":2000,",
          "\"snapshot-log\":[{\"timestamp-ms\":x2000,"),
      text.replace("\"snapshot-log\":[", "\"snapshots\":[],\"snapshot-log\":[") // snapshots twice
    };
    // log entries in another key order, or a file name with an escape: read by the general parse
    // alike
    String reordered =
        text.replace(
            "{\"timestamp-ms\":1000,\"metadata-file\":\"/tmp/t/metadata/v1.metadata.json\"}",
            "{\"metadata-file\":\"/tmp/t/metadata/v\\u0031.metadata.json\",\"timestamp-ms\":1000}");
    assertThat(reordered).isNotEqualTo(text);
    TableMetadata other =
        TableMetadataParser.fromJson(
            "v2", reordered.getBytes(StandardCharsets.UTF_8), v1.tableUuid(), v1::snapshot);
    assertThat(TableMetadataParser.toJson(other)).isEqualTo(v2json);
    for (String d : damaged) {
      assertThatThrownBy(
              () ->
                  TableMetadataParser.fromJson(
                      "v2.metadata.json",
                      d.getBytes(StandardCharsets.UTF_8),
                      v1.tableUuid(),
                      v1::snapshot))
          .as(d)
          .isInstanceOf(CorruptTableException.class)
          .hasMessageContaining("v2.metadata.json");
    }
  }

  @Test
  void aSnapshotWrittenAgainGivesTheSameText() {
    TableMetadata m = sample();
    byte[] first = TableMetadataParser.toJson(m);
    Snapshot s3 =
        new Snapshot(
            33, 22L, 3, 4000, "/tmp/t/metadata/snap-33.avro", Map.of("operation", "append"), 0);
    byte[] second =
        TableMetadataParser.toJson(TableMetadata.buildFrom(m).addSnapshotAsCurrent(s3).build());
    TableMetadata back = TableMetadataParser.fromJson("v", second);
    assertThat(back.snapshots())
        .containsExactlyElementsOf(List.of(m.snapshots().get(0), m.snapshots().get(1), s3));
    String a = new String(first, StandardCharsets.UTF_8);
    String b = new String(second, StandardCharsets.UTF_8);
    String firstSnapshots =
        a.substring(a.indexOf("\"snapshots\""), a.indexOf("]", a.indexOf("\"snapshots\"")));
    assertThat(b).contains(firstSnapshots);
  }

  @Test
  void malformedLogEntriesAreNamed() {
    String json =
        new String(TableMetadataParser.toJson(sample()), StandardCharsets.UTF_8)
            .replace("\"metadata-file\":", "\"metadata-fil\":");
    assertThatThrownBy(
            () ->
                TableMetadataParser.fromJson(
                    "v9.metadata.json", json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("v9.metadata.json")
        .hasMessageContaining("metadata-file")
        .hasMessageContaining("metadata-log");
  }

  @Test
  void keepsUnknownTopLevelFields() {
    String json =
        new String(TableMetadataParser.toJson(sample()), StandardCharsets.UTF_8)
            .replaceFirst("\\{", "{ \"statistics\":[ { \"snapshot-id\":22 } ],");
    TableMetadata m = TableMetadataParser.fromJson("x", json.getBytes(StandardCharsets.UTF_8));
    assertThat(m.otherFields()).containsKey("statistics");
    assertThat(new String(TableMetadataParser.toJson(m), StandardCharsets.UTF_8))
        .contains("\"statistics\"");
  }

  @Test
  void noSnapshotIsWrittenAsMinusOneAndReadAsNone() {
    TableMetadata m =
        TableMetadata.buildFrom(sample())
            .snapshots(List.of())
            .currentSnapshotId(null)
            .snapshotLog(List.of())
            .refs(Map.of())
            .build();
    TableMetadata back = TableMetadataParser.fromJson("x", TableMetadataParser.toJson(m));
    assertThat(back.currentSnapshot()).isNull();
  }

  @Test
  void truncatedJsonIsAClearError() {
    byte[] json = TableMetadataParser.toJson(sample());
    byte[] cut = Arrays.copyOf(json, json.length / 2);
    assertThatThrownBy(() -> TableMetadataParser.fromJson("/t/metadata/v3.metadata.json", cut))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("/t/metadata/v3.metadata.json")
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void newerFormatVersionIsRefusedWithAReason() {
    String json =
        new String(TableMetadataParser.toJson(sample()), StandardCharsets.UTF_8)
            .replace("\"format-version\":2", "\"format-version\":3");
    assertThatThrownBy(
            () ->
                TableMetadataParser.fromJson(
                    "v9.metadata.json", json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("format version 3");
  }

  @Test
  void missingAndWronglyTypedFieldsAreNamed() {
    String json = new String(TableMetadataParser.toJson(sample()), StandardCharsets.UTF_8);
    assertThatThrownBy(
            () ->
                TableMetadataParser.fromJson(
                    "f",
                    json.replace("\"location\"", "\"locatio\"").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("'location'");
    assertThatThrownBy(
            () ->
                TableMetadataParser.fromJson(
                    "f",
                    json.replace("\"last-column-id\":", "\"last-column-id\":\"x")
                        .replace("\"current-schema-id\"", "\", \"current-schema-id\"")
                        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CorruptTableException.class);
    assertThatThrownBy(
            () -> TableMetadataParser.fromJson("f", "[]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("JSON object");
  }
}
