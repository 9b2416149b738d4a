import { Link } from 'react-router';
import { usePageTitle } from '../lib/use-page-title';

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <div className="page narrow">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/gallery">Go to the gallery</Link>.
      </p>
    </div>
  );
}
