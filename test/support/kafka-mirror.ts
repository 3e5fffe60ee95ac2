/**
 * MirrorMaker 2 without Docker: org.apache.kafka:connect-mirror and its runtime jars from Maven
 * Central at the version pins.json names (`kafka-mirror`), resolved by
 * scripts/brokers/kafka/mirror-pom.xml once into ~/.cache/brokerplate/kafka-mirror-<version>/libs
 * (apart from the broker jars, whose cached set stays as it is), and a stand-in for the image's
 * bin/connect-mirror-maker.sh over them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.ts';
import { writeFile } from './launch.ts';

interface Pins { tools: Record<string, { version: string }> }

/** The pinned MirrorMaker version and its cached jar folder (downloaded with Maven when missing). */
export function mirrorMakerJars(): { version: string; libs: string } {
  const pins = JSON.parse(readFileSync(join(ROOT, 'pins.json'), 'utf8')) as Pins;
  const version = pins.tools['kafka-mirror']?.version;
  if (!version) throw new Error('pins.json has no tools.kafka-mirror version');
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const libs = join(cache, 'brokerplate', `kafka-mirror-${version}`, 'libs');
  if (existsSync(libs)) return { version, libs };
  const tmp = `${libs}.tmp-${process.pid}`;
  const pom = join(ROOT, 'scripts', 'brokers', 'kafka', 'mirror-pom.xml');
  const r = spawnSync('mvn', ['-q', '-B', '-f', pom, `-Dkafka.version=${version}`, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`mvn (MirrorMaker ${version} jars) failed: ${r.error?.message ?? ''}\n${r.stdout}${r.stderr}`);
  }
  try {
    renameSync(tmp, libs);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // a parallel run won
  }
  return { version, libs };
}

/** Writes `<home>/bin/connect-mirror-maker.sh` (dedicated MirrorMaker 2, as in the apache/kafka image) over the cached jars; `<home>/config/log4j2.properties` comes from fakeKafkaHome. */
export function fakeMirrorMaker(home: string, libs: string): string {
  const script = join(home, 'bin', 'connect-mirror-maker.sh');
  writeFile(
    script,
    `#!/bin/sh\n# test stand-in for the distribution's connect-mirror-maker.sh\nexec java -Xmx384m -XX:TieredStopAtLevel=1 \${KAFKA_OPTS:-} -Dlog4j2.configurationFile=${join(home, 'config', 'log4j2.properties')} -cp '${join(libs, '*')}' org.apache.kafka.connect.mirror.MirrorMaker "$@"\n`,
    0o755,
  );
  return script;
}
