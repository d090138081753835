package accounts

import "github.com/outpostchat/outpost/app/model"

// Settings are the account settings this service registers, with Rocket.Chat's ids and
// defaults.
func Settings() []model.Setting {
	b := func(id string, v bool, section string) model.Setting {
		return model.Setting{ID: id, Type: model.SettingBoolean, PackageValue: v, Group: "Accounts", Section: section, I18nLabel: id}
	}
	n := func(id string, v int, section string) model.Setting {
		return model.Setting{ID: id, Type: model.SettingInt, PackageValue: v, Group: "Accounts", Section: section, I18nLabel: id}
	}
	return []model.Setting{
		n("Accounts_LoginExpiration", 90, ""),
		b("Block_Multiple_Failed_Logins_Enabled", true, "Login_Attempts"),
		b("Block_Multiple_Failed_Logins_By_User", true, "Login_Attempts"),
		b("Block_Multiple_Failed_Logins_By_Ip", true, "Login_Attempts"),
		n("Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User", 10, "Login_Attempts"),
		n("Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip", 50, "Login_Attempts"),
		n("Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes", 5, "Login_Attempts"),
		n("Block_Multiple_Failed_Logins_Time_To_Unblock_By_Ip_In_Minutes", 5, "Login_Attempts"),
	}
}
