/**
 * `generator-brokerplate/generator`: the generator class for hosts such as yeoman-test. Unlike the
 * one `yo brokerplate` and the bin run (generators/app/index.ts), a failure is thrown to the host,
 * never a process exit.
 */
export { default as BrokerplateGenerator } from '../app/generator.ts';
