# Monitoring: Prometheus and Alertmanager on the mgmt host, which watches
# every site and depends on none (seed 004: the governor does not run on the
# governed). All listeners are on 127.0.0.1; operators reach the UIs over
# SSH (`ssh -L 9090:127.0.0.1:9090 -L 9093:127.0.0.1:9093 root@<host>`).
#
# Scraped (the contract nix/monitoring/alert-rules.yml is written against;
# nix/monitoring/README.md):
#   nats              each site server's exporter (the chart's sidecar),
#                     published per server to this host only (site.metrics);
#                     labels site, server
#   nats-gateway-tls  blackbox_exporter's TLS probe of each site's gateway
#                     (certificate expiry; routes share the certificate)
#   node              this host: systemd units, disks, the backup's and the
#                     KV snapshots' freshness (textfile collector, backup.nix,
#                     kv-snapshot-check.nix)
#   prometheus, alertmanager themselves
# The targets come from hostFacts.monitoring, computed from the fleet
# (lib/monitoring/host-facts.ts): every site is listed even before it
# publishes metrics, so an unmonitored site alerts instead of vanishing.
#
# Alerts go to hostFacts.monitoring.receiver: email (SMTP password: agenix
# alertmanager-smtp-password) or a webhook (URL: agenix
# alertmanager-webhook-url, it carries a token). Alertmanager runs with a
# dynamic user, so the secret reaches it as a systemd credential.
#
# Option names are those of nixpkgs nixos/modules/services/monitoring/
# prometheus/{default,alertmanager,exporters}.nix; parse-checked here, not
# evaluated (nixpkgs cannot be fetched on the test machine). checkConfig
# runs promtool and amtool on the generated files at build time.
{
  config,
  lib,
  hostFacts,
  ...
}:
let
  monitoring = hostFacts.monitoring;
  receiver = monitoring.receiver;
  secrets = config.age.secrets;
  textfileDir = "/var/lib/prometheus-node-exporter-text";
  credentials = "/run/credentials/alertmanager.service";
  local = port: "127.0.0.1:${toString port}";
  ports = {
    prometheus = 9090;
    alertmanager = 9093;
    node = 9100;
    blackbox = 9115;
  };

  natsJob = {
    job_name = "nats";
    scrape_interval = "30s";
    static_configs = map (t: {
      targets = [ t.target ];
      labels = {
        inherit (t) site server;
      };
    }) monitoring.natsTargets;
  };

  # blackbox_exporter's multi-target pattern: Prometheus asks the local
  # exporter to probe each gateway. A certificate changes rarely: every 5m.
  gatewayTlsJob = {
    job_name = "nats-gateway-tls";
    scrape_interval = "5m";
    scrape_timeout = "30s";
    metrics_path = "/probe";
    params.module = [ "nats_tls" ];
    static_configs = map (t: {
      targets = [ t.target ];
      labels.site = t.site;
    }) monitoring.gatewayTargets;
    relabel_configs = [
      {
        source_labels = [ "__address__" ];
        target_label = "__param_target";
      }
      {
        source_labels = [ "__param_target" ];
        target_label = "instance";
      }
      {
        target_label = "__address__";
        replacement = local ports.blackbox;
      }
    ];
  };

  localJob = name: port: {
    job_name = name;
    static_configs = [
      {
        targets = [ (local port) ];
        labels.host = hostFacts.hostName;
      }
    ];
  };

  emailReceiver = {
    name = "operators";
    email_configs = [
      (
        {
          to = receiver.to or "";
          from = receiver.from or "";
          smarthost = receiver.smarthost or "";
          require_tls = true;
          send_resolved = true;
        }
        // lib.optionalAttrs (receiver ? username) {
          auth_username = receiver.username;
          auth_password_file = "${credentials}/smtp-password";
        }
      )
    ];
  };
  webhookReceiver = {
    name = "operators";
    webhook_configs = [
      {
        url_file = "${credentials}/webhook-url";
        send_resolved = true;
      }
    ];
  };
in
{
  services.prometheus = {
    enable = true;
    listenAddress = "127.0.0.1";
    port = ports.prometheus;
    retentionTime = "30d";
    globalConfig = {
      scrape_interval = "30s";
      evaluation_interval = "30s";
      external_labels.monitor = hostFacts.hostName;
    };
    ruleFiles = [ ../monitoring/alert-rules.yml ];
    alertmanagers = [ { static_configs = [ { targets = [ (local ports.alertmanager) ]; } ]; } ];
    scrapeConfigs = [
      natsJob
      gatewayTlsJob
      (localJob "node" ports.node)
      (localJob "prometheus" ports.prometheus)
      (localJob "alertmanager" ports.alertmanager)
    ];

    exporters.node = {
      enable = true;
      listenAddress = "127.0.0.1";
      port = ports.node;
      enabledCollectors = [ "systemd" ];
      extraFlags = [ "--collector.textfile.directory=${textfileDir}" ];
    };

    exporters.blackbox = {
      enable = true;
      listenAddress = "127.0.0.1";
      port = ports.blackbox;
      configFile = ../monitoring/blackbox.yml;
    };

    alertmanager = {
      enable = true;
      listenAddress = "127.0.0.1";
      port = ports.alertmanager;
      configuration = {
        route = {
          receiver = "operators";
          group_by = [
            "alertname"
            "site"
          ];
          group_wait = "30s";
          group_interval = "5m";
          repeat_interval = "4h";
        };
        receivers = [ (if receiver.kind == "email" then emailReceiver else webhookReceiver) ];
        # A site that is down explains its gateway, stream and mirror alerts.
        inhibit_rules = [
          {
            source_matchers = [ "alertname = HarmonySiteMetricsDown" ];
            target_matchers = [ "severity = warning" ];
            equal = [ "site" ];
          }
        ];
      };
    };
  };

  systemd.services.alertmanager.serviceConfig.LoadCredential =
    lib.optional (receiver.kind == "email" && receiver ? username) "smtp-password:${
      secrets."alertmanager-smtp-password".path
    }"
    ++ lib.optional (receiver.kind == "webhook") "webhook-url:${secrets."alertmanager-webhook-url".path}";

  # The directory backup.nix and kv-snapshot-check.nix write their
  # freshness metrics to (0755: the exporter's user reads it).
  systemd.tmpfiles.rules = [ "d ${textfileDir} 0755 root root -" ];
}
