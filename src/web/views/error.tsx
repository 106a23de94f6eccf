import { Page } from './layout.js';

export function ErrorPage(props: { title: string; message: string }) {
  return (
    <Page title={props.title}>
      <h1>{props.title}</h1>
      <p role="alert">{props.message}</p>
      <p>
        <a href="/">Go to the start page</a>
      </p>
    </Page>
  );
}
