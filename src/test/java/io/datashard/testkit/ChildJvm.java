package io.datashard.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a real OS process: a child JVM running a main class from the test classpath. */
public final class ChildJvm {
  private ChildJvm() {}

  /** The java executable of this JVM. */
  public static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
  }

  /** Starts {@code mainClass} with {@code args}; its output goes to {@code log}. */
  public static Process start(Class<?> mainClass, Path log, String... args) throws IOException {
    return start(java.util.Map.of(), mainClass, log, args);
  }

  /** As {@link #start(Class, Path, String...)}, with these variables added to the environment. */
  public static Process start(
      java.util.Map<String, String> env, Class<?> mainClass, Path log, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }
}
