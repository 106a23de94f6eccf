// Debian's nginx as a test runs it: unprivileged, everything it writes in `dir`.

/** The top of an nginx.conf up to the opening of `http {`: logs, pid and temp files in `dir`. */
export function nginxPreamble(dir: string): string {
  return `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`;
}
