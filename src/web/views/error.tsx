import { Page } from './layout.js';

export function ErrorPage(props: { title: string; message: string; link?: { href: string; label: string } }) {
  return (
    <Page title={props.title}>
      <h1>{props.title}</h1>
      <p role="alert">{props.message}</p>
      <p>
        <a href={props.link?.href ?? '/'}>{props.link?.label ?? 'Go to the start page'}</a>
      </p>
    </Page>
  );
}
