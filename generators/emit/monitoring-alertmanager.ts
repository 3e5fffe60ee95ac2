/** alertmanager.yml: grouping, inhibition and a placeholder receiver for the user to replace. */

/** Alertmanager with a placeholder receiver: alerts are grouped and visible in its UI, sent nowhere until replaced. */
export function alertmanagerConfig(): object {
  return {
    route: {
      receiver: 'replace-me',
      group_by: ['alertname', 'broker'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [{ matchers: ['severity="critical"'], receiver: 'replace-me', repeat_interval: '1h' }],
    },
    // A broker that is down makes its other alerts noise: the TargetDown alert says it all.
    inhibit_rules: [{ source_matchers: ['alertname=~".+TargetDown"'], target_matchers: ['severity="warning"'], equal: ['broker'] }],
    receivers: [{ name: 'replace-me' }],
  };
}

export const ALERTMANAGER_HEADER = [
  'Alertmanager for the stack. The receiver "replace-me" delivers nowhere: replace it with yours, e.g.',
  '  receivers:',
  '    - name: replace-me',
  '      slack_configs: [{ api_url_file: /etc/alertmanager/slack-url, channel: "#alerts", send_resolved: true }]',
  'or email_configs / webhook_configs / pagerduty_configs; keep credentials in files or the environment, not here.',
  'Check it with: amtool check-config monitoring/alertmanager/alertmanager.yml',
].join('\n');
