import { e2eFleet } from './harness';
import { attackSuite } from './suites/attacks';

// nkeys mode (the default): every site's config lists each identity's key and permissions.
attackSuite(e2eFleet);
