/** Debian packages the real-broker tests need, installed with apt-get when missing (a no-op once present). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function aptInstall(packages: readonly string[]): void {
  const root = process.getuid?.() === 0;
  const apt = (...args: string[]) =>
    spawnSync(root ? 'apt-get' : 'sudo', root ? args : ['-n', 'apt-get', ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status;
  const install = ['install', '-y', '-q', '--no-install-recommends', ...packages];
  if (apt(...install) === 0) return;
  if (apt('update', '-q') !== 0 || apt(...install) !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed`);
}

export function ensureRedis(): void {
  if (!existsSync('/usr/bin/redis-server') || !existsSync('/usr/bin/redis-cli')) aptInstall(['redis-server', 'redis-tools']);
}

/** The RabbitMQ scripts that run as the calling user (/usr/sbin's wrappers switch to the rabbitmq user). */
export const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';

export function ensureRabbitmq(): void {
  if (!existsSync(`${RABBITMQ_BIN}/rabbitmq-server`)) aptInstall(['rabbitmq-server']);
}
