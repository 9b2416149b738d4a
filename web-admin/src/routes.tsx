import { Route, Routes } from 'react-router';
import { AccountPage } from './pages/account';
import { AccountsPage } from './pages/accounts';
import { AuditPage } from './pages/audit';
import { BillingCancelPage, BillingPage, BillingSuccessPage } from './pages/billing';
import { BlocklistPage } from './pages/blocklist';
import { CatalogPage } from './pages/catalog';
import { StaffHome } from './pages/dashboard';
import { GalleryPage } from './pages/gallery';
import { GalleryItemPage } from './pages/gallery-item';
import { ModerationPage } from './pages/moderation';
import { NotFoundPage } from './pages/not-found';
import { PurchasesPage } from './pages/purchases';
import { SignInHelpPage, SignInLinkPage } from './pages/sign-in-link';
import { StaffLoginPage } from './pages/staff-login';
import { StudioPage } from './studio/studio-page';
import { PublicLayout, StaffLayout } from './ui/layout';

/**
 * The app's areas: /admin (staff, password sessions), /billing (users from a bot's sign-in link),
 * /gallery (everyone), /studio (the web studio, for users signed in from a bot's /web link).
 */
export function AppRoutes() {
  return (
    <Routes>
      <Route path="/admin/login" element={<StaffLoginPage />} />
      <Route path="/admin" element={<StaffLayout />}>
        <Route index element={<StaffHome />} />
        <Route path="moderation" element={<ModerationPage />} />
        <Route path="blocklist" element={<BlocklistPage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="accounts" element={<AccountsPage />} />
        <Route path="accounts/:accountId" element={<AccountPage />} />
        <Route path="catalog" element={<CatalogPage />} />
        <Route path="purchases" element={<PurchasesPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
      <Route element={<PublicLayout />}>
        <Route path="/gallery" element={<GalleryPage />} />
        <Route path="/gallery/:id" element={<GalleryItemPage />} />
        <Route path="/billing" element={<BillingPage />} />
        <Route path="/billing/success" element={<BillingSuccessPage />} />
        <Route path="/billing/cancel" element={<BillingCancelPage />} />
        <Route path="/studio" element={<StudioPage />} />
        <Route path="/auth/link" element={<SignInLinkPage />} />
        <Route path="/signin" element={<SignInHelpPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
