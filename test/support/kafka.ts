/**
 * Kafka 4.x without Docker: the broker and tool jars from Maven Central, cached by
 * scripts/brokers/brokers.mjs (the repo's brokers:up helper), and a stand-in for the
 * distribution's bin/ scripts so that generated scripts calling "$KAFKA_HOME/bin/kafka-*.sh"
 * run unchanged.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './cli.ts';
import { writeFile } from './launch.ts';

interface BrokersModule {
  install(names: string[]): Promise<void>;
  config: { kafka: { version: string; classpath: string; libs: string } };
}

/** The classpath of the cached Kafka jars (downloaded once by brokers.mjs when missing). */
export async function kafkaClasspath(): Promise<{ version: string; classpath: string }> {
  const script = join(ROOT, 'scripts', 'brokers', 'brokers.mjs');
  if (!existsSync(script)) throw new Error('scripts/brokers/brokers.mjs is missing: it provides the cached Kafka jars');
  const brokers = (await import(pathToFileURL(script).href)) as BrokersModule;
  await brokers.install(['kafka']);
  return { version: brokers.config.kafka.version, classpath: brokers.config.kafka.classpath };
}

const LOG4J = (target: string, level: string) =>
  ['status = warn', 'appender.out.type = Console', 'appender.out.name = out', `appender.out.target = ${target}`, 'appender.out.layout.type = PatternLayout',
    'appender.out.layout.pattern = [%d] %p %m (%c)%n', `rootLogger.level = ${level}`, 'rootLogger.appenderRef.out.ref = out', ''].join('\n');

/**
 * Writes `<home>/bin/kafka-{storage,server-start,topics,configs,metadata-quorum,acls,broker-api-versions,consumer-groups,get-offsets,producer-perf-test}.sh`: what the apache/kafka image
 * has under /opt/kafka/bin, as thin java launchers over the cached jars.
 */
export function fakeKafkaHome(home: string, classpath: string): void {
  writeFile(join(home, 'config', 'log4j2.properties'), LOG4J('SYSTEM_OUT', 'info'));
  writeFile(join(home, 'config', 'tools-log4j2.properties'), LOG4J('SYSTEM_ERR', 'warn'));
  const tool = (name: string, main: string, heap: string, log4j: string) =>
    writeFile(
      join(home, 'bin', name),
      `#!/bin/sh\n# test stand-in for the distribution's ${name}\nexec java -Xmx${heap} -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile=${join(home, 'config', log4j)} -cp '${classpath}' ${main} "$@"\n`,
      0o755,
    );
  tool('kafka-storage.sh', 'kafka.tools.StorageTool', '256m', 'tools-log4j2.properties');
  tool('kafka-topics.sh', 'org.apache.kafka.tools.TopicCommand', '256m', 'tools-log4j2.properties');
  tool('kafka-configs.sh', 'org.apache.kafka.tools.ConfigCommand', '256m', 'tools-log4j2.properties');
  tool('kafka-metadata-quorum.sh', 'org.apache.kafka.tools.MetadataQuorumCommand', '256m', 'tools-log4j2.properties');
  tool('kafka-acls.sh', 'org.apache.kafka.tools.AclCommand', '256m', 'tools-log4j2.properties');
  tool('kafka-broker-api-versions.sh', 'org.apache.kafka.tools.BrokerApiVersionsCommand', '256m', 'tools-log4j2.properties');
  tool('kafka-consumer-groups.sh', 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '256m', 'tools-log4j2.properties');
  tool('kafka-get-offsets.sh', 'org.apache.kafka.tools.GetOffsetShell', '256m', 'tools-log4j2.properties');
  tool('kafka-producer-perf-test.sh', 'org.apache.kafka.tools.ProducerPerformance', '256m', 'tools-log4j2.properties');
  tool('kafka-server-start.sh', 'kafka.Kafka', '512m', 'log4j2.properties');
}

export function runTool(home: string, tool: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(home, 'bin', tool), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}
