import type { ActivityItem } from '../../services/activity.js';
import { formatDate } from './format.js';

export function ActivityList(props: { items: ActivityItem[]; showDetail?: boolean }) {
  if (props.items.length === 0) return <p>No activity yet.</p>;
  return (
    // Focusable and named: on a phone the table scrolls sideways inside it, by keyboard too.
    <div class="table-wrap" tabindex={0} role="region" aria-label="Security activity">
      <table class="activity">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Where</th>
            {props.showDetail && <th scope="col">Detail</th>}
          </tr>
        </thead>
        <tbody>
          {props.items.map((item) => (
            <tr key={item.id}>
              <td>{formatDate(item.atMs)}</td>
              <td>{item.label}</td>
              <td>{[item.ip, item.browser].filter(Boolean).join(', ')}</td>
              {props.showDetail && <td>{item.detail}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
