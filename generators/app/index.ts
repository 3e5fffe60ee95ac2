/**
 * The generator as the bin and `yo brokerplate` run it: an expected failure prints one line
 * (`brokerplate: error: …`) and exits with its code, before Yeoman could add "An error occured
 * while running …" and yo its own copy of the message.
 */
import BrokerplateGenerator from './generator.ts';
import { exitWith } from './errors.ts';

export default class BrokerplateCliGenerator extends BrokerplateGenerator {
  protected override _fail(error: unknown): never {
    exitWith(error);
  }

  protected override _commandLine(): readonly string[] {
    return process.argv.slice(2);
  }
}
