/** The bin's flags and --help, derived from the same setting definitions the generator uses. */
import { FROM_FLAG } from '../app/from.ts';
import { FLOWCHART_FLAGS, SETTINGS, SWITCHES } from '../app/settings.ts';
export { PARSE_CONFIG } from '../app/flags.ts';

function row(flag: string, text: string): string {
  return `  ${flag.padEnd(34)} ${text}\n`;
}

export function helpText(): string {
  let out = 'Usage: brokerplate [destination] [options]\n\n';
  out += 'Generates a messaging stack (compose, Pulumi/Kubernetes, typed clients, monitoring, backup)\n';
  out += 'from a scenario of the messaging guide. Inside a folder that has brokerplate.yaml, it\n';
  out += 'regenerates everything from that spec without prompting.\n\nQuestions (each prompt has a flag):\n';
  for (const s of SETTINGS) out += row(`--${s.flag} <${s.valueHint.length > 30 ? 'value' : s.valueHint}>`, s.description + (s.valueHint.length > 30 ? `\n${' '.repeat(37)}one of: ${s.valueHint.split('|').join(', ')}` : ''));
  out += '\nDecision flowchart (instead of --scenario):\n';
  for (const f of FLOWCHART_FLAGS) out += row(`--[no-]${f.flag}`, f.description.replace(/^Flowchart: /, ''));
  out += '\nFrom a contract (instead of the questions):\n';
  out += row(`--${FROM_FLAG.flag} <${FROM_FLAG.valueHint}>`, 'Create the spec from an AsyncAPI 3.x (or 2.6) document: brokers from its servers,');
  out += `${' '.repeat(37)}channels and message types from its channels; what cannot be mapped is refused\n${' '.repeat(37)}(the document path and why). --profile, --targets and --name still apply.\n`;
  out += '\nSwitches:\n';
  for (const s of SWITCHES) out += row(`--${s.flag}${s.flag === 'yes' ? ', -y' : ''}`, s.description);
  out += row('--help, -h', 'Show this help');
  out += '\nExit codes: 0 success; 1 invalid input, a conflict or a failed write (nothing written); 2 unknown flag or bad usage;\n130 interrupted (Ctrl-C at a prompt).\n';
  out += 'Without a terminal, a missing answer fails with the flag to pass instead of prompting.\n';
  return out;
}

